import { previewPolicy } from './policy-preview';
import { PolicyBook, ReturnPolicy } from './return-policy';

const SEEDED = PolicyBook.seeded();

function policy(over: Partial<ReturnPolicy> = {}): ReturnPolicy {
  return { ...SEEDED.for('default'), ...over };
}

/** The rule about postage, however many rules come before it. */
function postageRule(rules: string[]): string {
  return rules.find((r) => r.startsWith('运费') || r.startsWith('Return postage'))!;
}

describe(previewPolicy.name, () => {
  describe('postage', () => {
    const freeReturns = policy({ shippingPaidBy: { customer: 'MERCHANT', merchantFault: 'MERCHANT' } });

    it('does not tell a shopper who never pays the postage to pay at the counter or have it deducted (zh)', () => {
      const rule = postageRule(previewPolicy(freeReturns, 'zh-CN').rules);
      expect(rule).toContain('因个人原因退货由商家承担');
      expect(rule).not.toMatch(/付款|扣除/);
    });

    it('does not tell a shopper who never pays the postage to pay at the counter or have it deducted (en)', () => {
      const rule = postageRule(previewPolicy(freeReturns, 'en').rules);
      expect(rule).toContain('paid by us for personal reasons');
      expect(rule).not.toMatch(/counter|deducted/);
      expect(rule).toBe(rule.trim());
    });

    it('tells a shopper who pays the postage for personal reasons how a pickup and a drop-off are paid', () => {
      expect(postageRule(previewPolicy(policy(), 'zh-CN').rules)).toMatch(/运费由买家承担时.*取件费从退款中扣除.*自行寄回请在快递点付款/);
      expect(postageRule(previewPolicy(policy(), 'en').rules)).toMatch(/A door pickup you pay for is deducted from the refund; a drop-off you pay at the counter/);
      expect(postageRule(previewPolicy(policy({ freePickup: true }), 'zh-CN').rules)).toMatch(/运费由买家承担时.*上门取件免费.*自行寄回请在快递点付款/);
      expect(postageRule(previewPolicy(policy({ freePickup: true }), 'en').rules)).toMatch(/Door pickup is free/);
    });
  });
});
