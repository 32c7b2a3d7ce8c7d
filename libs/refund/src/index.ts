export * from './gateways/payment-simulator';
export * from './payment-gateway.interface';
export * from './processors/refund.processor';
export * from './refund-calculation';
export * from './refund.entity';
export * from './refund.module';
export * from './refund.service';
