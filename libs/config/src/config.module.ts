import { Global, Inject, Injectable, Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig, loadConfig } from './app-config';

/** Injection token of the validated AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/** The providers' variables, as an operator sets them. */
const PROVIDER_VARIABLES: Record<keyof AppConfig['providers'], string> = {
  carrier: 'CARRIER_API_URL',
  payment: 'PAYMENT_API_URL',
  email: 'SMTP_URL',
  sms: 'SMS_API_URL',
  wechat: 'WECHAT_API_URL',
  push: 'PUSH_API_URL',
};

/**
 * Says at start-up which providers are real and which simulated. A production process with
 * a simulated one warns: its refunds, bookings or messages go nowhere.
 */
@Injectable()
export class ProviderReport implements OnApplicationBootstrap {
  private readonly logger = new Logger('Providers');

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  onApplicationBootstrap(): void {
    const simulated = Object.entries(PROVIDER_VARIABLES).filter(([name]) => !this.config.providers[name as keyof AppConfig['providers']]);
    if (!simulated.length) return this.logger.log('every provider is real');
    const list = simulated.map(([name, variable]) => `${name} (${variable} not set)`).join(', ');
    if (this.config.env === 'production') this.logger.warn(`simulated, nothing reaches a real provider: ${list}`);
    else this.logger.log(`simulated: ${list}`);
  }
}

@Global()
@Module({
  providers: [{ provide: APP_CONFIG, useFactory: (): AppConfig => loadConfig() }, ProviderReport],
  exports: [APP_CONFIG],
})
export class AppConfigModule {}
