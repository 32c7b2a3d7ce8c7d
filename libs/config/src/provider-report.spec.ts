import { Logger } from '@nestjs/common';
import { AppConfig } from './app-config';
import { ProviderReport } from './config.module';

/** What start-up says of the providers: a production process left with a simulator is warned of it. */
describe('ProviderReport', () => {
  const http = { url: 'https://provider.example.com/v1', apiKey: 'k', timeoutMs: 5_000 };
  const everyProvider: AppConfig['providers'] = {
    carrier: http,
    payment: http,
    email: { url: 'smtps://mailer@smtp.example.com:465', from: 'returns@example.com', timeoutMs: 5_000, requireTls: true },
    sms: http,
    wechat: http,
    push: http,
  };
  let log: jest.SpyInstance;
  let warn: jest.SpyInstance;

  beforeEach(() => {
    log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  const report = (env: AppConfig['env'], providers: Partial<AppConfig['providers']>) =>
    new ProviderReport({ env, providers: { ...everyProvider, ...providers } } as AppConfig).onApplicationBootstrap();

  it('warns a production process of each provider left simulated, and the variable that would make it real', () => {
    report('production', { payment: null, sms: null });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toBe('simulated, nothing reaches a real provider: payment (PAYMENT_API_URL not set), sms (SMS_API_URL not set)');
    expect(log).not.toHaveBeenCalled();
  });

  it('only notes the simulators outside production', () => {
    report('development', { carrier: null, email: null });
    expect(warn).not.toHaveBeenCalled();
    expect(log.mock.calls[0][0]).toBe('simulated: carrier (CARRIER_API_URL not set), email (SMTP_URL not set)');
  });

  it('says so when every provider is real', () => {
    report('production', {});
    expect(warn).not.toHaveBeenCalled();
    expect(log.mock.calls[0][0]).toBe('every provider is real');
  });
});
