import { CUSTOMER_MESSAGES } from '@returns/contracts';
import { languageOf, renderMessage } from './templates';

describe(renderMessage.name, () => {
  const params = { rma: 'RMA-20261126-ABCDEFGHJK', carrier: 'SF', trackingNumber: 'SF1', amount: '99.00 CNY', method: 'alipay', pickupFrom: '2026-11-27T01:00:00.000Z' };

  it.each(CUSTOMER_MESSAGES.flatMap((m) => ['zh-CN', 'zh-TW', 'en-US'].map((l) => [m, l] as const)))('renders %s in %s with the RMA number and no gap', (message, locale) => {
    const text = renderMessage(message, locale, params);
    expect(text).toContain(params.rma);
    expect(text).not.toMatch(/undefined|null|\$\{/);
  });

  it('tells a case sent to review the REVIEW_DEADLINE it was given, in hours', () => {
    expect(renderMessage('return.pending_review', 'zh-CN', { ...params, reviewHours: '24' })).toContain('客服将在 24 小时内处理');
    expect(renderMessage('return.pending_review', 'zh-TW', { ...params, reviewHours: '72' })).toContain('客服將在 72 小時內處理');
    expect(renderMessage('return.pending_review', 'en', { ...params, reviewHours: '1' })).toContain('within 1 hour.');
    expect(renderMessage('return.pending_review', 'en', params)).toContain('within 48 hours'); // a job queued before it was a parameter
  });

  it('does not tell a customer whose extra units come back that their return failed inspection', () => {
    // Units beyond what the return asked for go back though every unit of it passed.
    expect(renderMessage('item.sent_back', 'zh-CN', params)).toContain('不在退货申请中');
    expect(renderMessage('item.sent_back', 'zh-HK', params)).toContain('不在退貨申請中');
    expect(renderMessage('item.sent_back', 'en', params)).toContain('not part of your return');
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

  it('tells a refund-only case of its approval in its refund message, and never speaks of sending it back', () => {
    const refundOnly = { ...params, refundOnly: 'yes' };
    expect(renderMessage('refund.succeeded', 'zh-CN', refundOnly)).toBe('您的仅退款申请 RMA-20261126-ABCDEFGHJK 已通过审核，已退款 99.00 CNY，原路退回 alipay。');
    expect(renderMessage('refund.failed', 'zh-TW', refundOnly)).toContain('已通過審核');
    expect(renderMessage('refund.succeeded', 'en', refundOnly)).toContain('is approved');
    expect(renderMessage('return.approved', 'zh-CN', refundOnly)).not.toContain('物流');
    // A case that was sent back heard of its approval with its label.
    expect(renderMessage('refund.succeeded', 'zh-CN', params)).toBe('退货 RMA-20261126-ABCDEFGHJK 已退款 99.00 CNY，原路退回 alipay。');
  });

  it('asks how we did in the refund message, with the survey link it was given', () => {
    const surveyUrl = 'https://returns.example/v1/feedback/abc';
    expect(renderMessage('refund.succeeded', 'zh-CN', { ...params, surveyUrl })).toBe(`退货 RMA-20261126-ABCDEFGHJK 已退款 99.00 CNY，原路退回 alipay。欢迎为本次售后服务评分：${surveyUrl}`);
    expect(renderMessage('refund.succeeded', 'zh-TW', { ...params, surveyUrl })).toContain(`評分：${surveyUrl}`);
    expect(renderMessage('refund.succeeded', 'en', { ...params, surveyUrl })).toMatch(/How did we do\? https:\/\/returns\.example\/v1\/feedback\/abc$/);
  });

  it('speaks Simplified to mainland customers and Traditional to Taiwan and Hong Kong', () => {
    expect(renderMessage('return.approved', 'zh-CN', params)).toContain('退货');
    expect(renderMessage('return.approved', 'zh-HK', params)).toContain('退貨');
    expect(languageOf('zh-Hant-TW')).toBe('zh-Hant');
    expect(languageOf('fr-FR')).toBe('en');
  });

  it('follows the script a locale names over its region, and reads a tag by its subtags', () => {
    // Simplified Chinese as written in Hong Kong, Macao and Taiwan: the script is said outright.
    expect(languageOf('zh-Hans-HK')).toBe('zh-Hans');
    expect(languageOf('zh-Hans-MO')).toBe('zh-Hans');
    expect(languageOf('zh-Hans-TW')).toBe('zh-Hans');
    expect(renderMessage('return.approved', 'zh-Hans-HK', params)).toContain('退货');
    expect(languageOf('zh-Hant-CN')).toBe('zh-Hant');
    expect(languageOf('zh-MO')).toBe('zh-Hant');
    expect(languageOf('zh-SG')).toBe('zh-Hans');
    expect(languageOf('zh')).toBe('zh-Hans');
    // Cantonese, as phones in Hong Kong name it, is written in Traditional characters.
    expect(languageOf('yue-HK')).toBe('zh-Hant');
    // Zhuang (zha) is not Chinese, though its code starts alike.
    expect(languageOf('zha-CN')).toBe('en');
  });
});
