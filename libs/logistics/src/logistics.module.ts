import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { CARRIER_GATEWAY, CarrierGateway } from './carrier-gateway.interface';
import { CarrierHttpGateway } from './gateways/carrier-http';
import { CarrierSimulator } from './gateways/carrier-simulator';
import { LogisticsService } from './logistics.service';
import { Shipment } from './shipment.entity';
import { TrackingEvent } from './tracking-event.entity';

@Module({
  imports: [TypeOrmModule.forFeature([Shipment, TrackingEvent])],
  providers: [
    LogisticsService,
    // Provided either way: tests and the demo autopilot use it by name.
    CarrierSimulator,
    {
      provide: CARRIER_GATEWAY,
      // The real couriers where CARRIER_API_URL is set, else the simulator (DESIGN.md, "External parties").
      useFactory: (config: AppConfig, simulator: CarrierSimulator): CarrierGateway =>
        config.providers.carrier ? new CarrierHttpGateway(config.providers.carrier) : simulator,
      inject: [APP_CONFIG, CarrierSimulator],
    },
  ],
  exports: [LogisticsService, CarrierSimulator, CARRIER_GATEWAY],
})
export class LogisticsModule {}
