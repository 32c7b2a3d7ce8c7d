import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IntakeGate } from './intake-gate.service';
import { IntakeService } from './intake.service';
import { ReturnRequest } from './return-request.entity';
import { UpstreamEventsService } from './upstream-events.service';

@Module({
  imports: [TypeOrmModule.forFeature([ReturnRequest])],
  providers: [IntakeService, UpstreamEventsService, IntakeGate],
  exports: [IntakeService, UpstreamEventsService, IntakeGate],
})
export class IntakeModule {}
