import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CARRIER_GATEWAY } from './carrier-gateway.interface';
import { CarrierSimulator } from './gateways/carrier-simulator';
import { LogisticsService } from './logistics.service';
import { Shipment } from './shipment.entity';
import { TrackingEvent } from './tracking-event.entity';

@Module({
  imports: [TypeOrmModule.forFeature([Shipment, TrackingEvent])],
  providers: [LogisticsService, CarrierSimulator, { provide: CARRIER_GATEWAY, useExisting: CarrierSimulator }],
  exports: [LogisticsService, CarrierSimulator, CARRIER_GATEWAY],
})
export class LogisticsModule {}
