import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IntakeService } from './intake.service';
import { ReturnRequest } from './return-request.entity';

@Module({
  imports: [TypeOrmModule.forFeature([ReturnRequest])],
  providers: [IntakeService],
  exports: [IntakeService],
})
export class IntakeModule {}
