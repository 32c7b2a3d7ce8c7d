export * from './carrier-choice';
export * from './carrier-gateway.interface';
export * from './gateways/carrier-simulator';
export * from './logistics.module';
export * from './logistics.service';
export * from './processors/logistics.processor';
export * from './shipment.entity';
export * from './tracking-event.entity';
