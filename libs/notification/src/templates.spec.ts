import { CUSTOMER_MESSAGES } from '@returns/contracts';
import { languageOf, renderMessage } from './templates';

describe(renderMessage.name, () => {
  const params = { rma: 'RMA-20261126-ABCDEFGHJK', carrier: 'SF', trackingNumber: 'SF1', amount: '99.00 CNY', method: 'alipay', pickupFrom: '2026-11-27T01:00:00.000Z' };

  it.each(CUSTOMER_MESSAGES.flatMap((m) => ['zh-CN', 'zh-TW', 'en-US'].map((l) => [m, l] as const)))('renders %s in %s with the RMA number and no gap', (message, locale) => {
    const text = renderMessage(message, locale, params);
    expect(text).toContain(params.rma);
    expect(text).not.toMatch(/undefined|null|\$\{/);
  });

  it('writes a pickup time in China time, not UTC', () => {
    expect(renderMessage('pickup.booked', 'zh-CN', params)).toContain('09:00');
    expect(renderMessage('pickup.booked', 'en', params)).toContain('09:00');
  });

  it('says the return is approved in the label and pickup messages, which tell a case sent back of its approval', () => {
    expect(renderMessage('label.ready', 'zh-CN', params)).toContain('已通过审核');
    expect(renderMessage('pickup.booked', 'zh-TW', params)).toContain('已通過審核');
    expect(renderMessage('label.ready', 'en', params)).toContain('is approved');
    expect(renderMessage('pickup.booked', 'en', params)).toContain('is approved');
  });

  it('speaks Simplified to mainland customers and Traditional to Taiwan and Hong Kong', () => {
    expect(renderMessage('return.approved', 'zh-CN', params)).toContain('退货');
    expect(renderMessage('return.approved', 'zh-HK', params)).toContain('退貨');
    expect(languageOf('zh-Hant-TW')).toBe('zh-Hant');
    expect(languageOf('fr-FR')).toBe('en');
  });
});
