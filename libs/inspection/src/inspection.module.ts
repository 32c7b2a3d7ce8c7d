import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Inspection } from './inspection.entity';
import { InspectionService } from './inspection.service';

@Module({
  imports: [TypeOrmModule.forFeature([Inspection])],
  providers: [InspectionService],
  exports: [InspectionService],
})
export class InspectionModule {}
