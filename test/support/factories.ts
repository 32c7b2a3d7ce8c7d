import { randomBytes } from 'node:crypto';

const DAY = 24 * 3_600_000;

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** A delivered apparel-and-home order of customer `c-…`, as upstream would PUT it. */
export function orderBody(overrides: Record<string, unknown> = {}) {
  return {
    merchantId: 'm1',
    customer: { id: uniqueId('c'), name: '李雷', phone: '+8613800000000', email: 'c1@example.com', wechatOpenId: 'o-1', pushToken: 't-1', locale: 'zh-CN' },
    address: { province: '浙江', city: '杭州', district: '西湖区', line: '文三路 1 号', postalCode: '310000' },
    currency: 'CNY',
    paidAt: new Date(Date.now() - 5 * DAY).toISOString(),
    deliveredAt: new Date(Date.now() - 2 * DAY).toISOString(),
    payment: { provider: 'alipay', transactionId: uniqueId('T') },
    items: [
      { sku: 'S1', name: 'T恤', category: 'apparel', quantity: 2, unitPrice: 9900 },
      { sku: 'MUG', name: '马克杯', category: 'home', quantity: 1, unitPrice: 4500 },
    ],
    ...overrides,
  };
}

/** Overrides of `returnBody` for a refund-only request (仅退款) of the order factory's mug, for a change of mind. */
export const REFUND_ONLY_MUG = { type: 'REFUND_ONLY', reasonCode: 'CHANGED_MIND', reasonText: undefined, returnMethod: undefined, items: [{ sku: 'MUG', quantity: 1 }] };

export function returnBody(orderId: string, overrides: Record<string, unknown> = {}) {
  return {
    orderId,
    type: 'RETURN_REFUND',
    reasonCode: 'SIZE_FIT',
    reasonText: '尺码太小了',
    returnMethod: 'DROP_OFF',
    items: [{ sku: 'S1', quantity: 1 }],
    channel: 'app',
    ...overrides,
  };
}

export function daysAgo(days: number): string {
  return new Date(Date.now() - days * DAY - 60_000).toISOString();
}
