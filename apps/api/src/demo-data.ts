import { OrderInput, OrderService } from '@returns/case';

const DAY = 24 * 3_600_000;

/**
 * Demo orders for the README walk-through, delivered relative to now so the policy
 * windows hold whatever day the demo runs.
 */
export function demoOrders(now = Date.now()): Record<string, OrderInput> {
  const customer = {
    id: 'demo-customer-1',
    name: '李雷',
    phone: '+8613800000000',
    email: 'lilei@example.com',
    wechatOpenId: 'o-demo-1',
    locale: 'zh-CN',
  };
  const address = { province: '浙江', city: '杭州', district: '西湖区', line: '文三路 1 号', postalCode: '310000' };
  return {
    'demo-order-1': {
      merchantId: 'demo-merchant',
      customer,
      address,
      currency: 'CNY',
      paidAt: new Date(now - 5 * DAY).toISOString(),
      deliveredAt: new Date(now - 2 * DAY).toISOString(),
      payment: { provider: 'alipay', transactionId: 'T-DEMO-1' },
      items: [
        { sku: 'TSHIRT-M-RED', name: '纯棉T恤 红色 M', category: 'apparel', quantity: 2, unitPrice: 9900 },
        { sku: 'MUG-01', name: '陶瓷马克杯', category: 'home', quantity: 1, unitPrice: 4500 },
      ],
    },
    'demo-order-2': {
      merchantId: 'demo-merchant',
      customer: { ...customer, id: 'demo-customer-2', name: 'Han Meimei', phone: '+8613900000000', email: 'hmm@example.com', wechatOpenId: undefined, pushToken: 't-demo-2', locale: 'en-US', tier: 'VIP' },
      address: { province: '广东', city: '深圳', district: '南山区', line: '科技园 8 号', postalCode: '518000' },
      currency: 'CNY',
      paidAt: new Date(now - 20 * DAY).toISOString(),
      deliveredAt: new Date(now - 12 * DAY).toISOString(),
      payment: { provider: 'wechatpay', transactionId: 'T-DEMO-2' },
      items: [{ sku: 'PHONE-X', name: 'Phone X 256G', category: 'electronics', quantity: 1, unitPrice: 599900 }],
    },
  };
}

export async function seedDemoData(orders: OrderService): Promise<string[]> {
  const seeded = Object.entries(demoOrders());
  for (const [id, order] of seeded) await orders.upsert(id, order);
  return seeded.map(([id]) => id);
}
