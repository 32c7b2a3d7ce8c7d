import { shownAmount } from '@returns/contracts';
import { ReturnPolicy } from './return-policy';

export interface PolicyPreview {
  category: string;
  policyVersion: string;
  locale: string;
  /** the currency the amounts in the rules are written in */
  currency: string;
  title: string;
  rules: string[];
}

/**
 * An amount as the rules' readers write it: in the locale's own style when the rules are in
 * its language (zh-TW, en-GB), else as English does; a tag Intl refuses gets the language's.
 */
function amountIn(zh: boolean, locale: string, currency: string): (minor: number) => string {
  const language = zh ? 'zh' : 'en';
  const tag = locale.toLowerCase().startsWith(language) ? locale : language;
  return (minor) => {
    try {
      return shownAmount(minor, currency, tag);
    } catch {
      return shownAmount(minor, currency, language);
    }
  };
}

/**
 * The policy in plain words, as a storefront shows it before purchase. Chinese for `zh*`
 * locales, English otherwise; amounts in `currency` (the storefront's, CNY unless given),
 * whose minor unit the policy's amounts are in, as an order's are.
 */
export function previewPolicy(policy: ReturnPolicy, locale = 'zh-CN', currency = 'CNY'): PolicyPreview {
  const zh = locale.toLowerCase().startsWith('zh');
  const amount = amountIn(zh, locale, currency);
  const p = policy;
  // How a pickup and a drop-off are paid matters only to a shopper who pays the postage for some reason.
  const customerPays = p.shippingPaidBy.customer === 'CUSTOMER' || p.shippingPaidBy.merchantFault === 'CUSTOMER';
  const rules: string[] = [];
  if (zh) {
    rules.push(
      p.acceptsCustomerReasons
        ? `签收后 ${p.customerReasonWindowDays} 天内，可因尺码不合、颜色不符或不想要了申请退货。`
        : `本类商品（${p.category}）一经签收，不支持因个人原因（尺码、颜色、不想要了）退货。`,
    );
    rules.push(`签收后 ${p.merchantFaultWindowDays} 天内，商品有质量问题、与描述不符、发错货或运输损坏，均可退货，请附上照片。`);
    if (p.acceptsCustomerReasons) {
      const conditions = p.customerReasonConditions.map((c) => ({ NEW: '全新', LIKE_NEW: '几乎全新', USED: '使用过', DAMAGED: '有损坏' } as Record<string, string>)[c] ?? c);
      rules.push(`因个人原因退货的商品须保持${conditions.join('或')}${p.requireTagsAndNoWear ? '，吊牌完好、无穿着或洗涤痕迹' : ''}。`);
    }
    rules.push(
      `运费：因个人原因退货由${p.shippingPaidBy.customer === 'CUSTOMER' ? '买家' : '商家'}承担，因商品问题退货由${p.shippingPaidBy.merchantFault === 'MERCHANT' ? '商家' : '买家'}承担。` +
        (customerPays ? `运费由买家承担时，${p.freePickup ? '上门取件免费' : '选择上门取件的，取件费从退款中扣除'}；自行寄回请在快递点付款。` : ''),
    );
    if (p.restockingFeePercent > 0) rules.push(`因个人原因退货收取商品金额 ${p.restockingFeePercent}% 的重新上架费。`);
    rules.push(`退款原路退回，金额为通过质检的商品金额${p.restockingFeePercent > 0 ? '扣除相关费用' : ''}。单笔退货金额超过 ${amount(p.autoApproveCeilingMinor)} 由客服人工审核。`);
    return { category: p.category, policyVersion: p.version, locale, currency, title: `${p.category === 'default' ? '' : `${p.category} `}退货政策`.trim(), rules };
  }
  rules.push(
    p.acceptsCustomerReasons
      ? `You can return it within ${p.customerReasonWindowDays} days of delivery if it does not fit, the colour is not what you expected, or you changed your mind.`
      : `Items of this category (${p.category}) cannot be returned for a change of mind, size or colour once delivered.`,
  );
  rules.push(`Within ${p.merchantFaultWindowDays} days of delivery you can return an item that is defective, not as described, the wrong item, or damaged in transit; please add photos.`);
  if (p.acceptsCustomerReasons) {
    const conditions = p.customerReasonConditions.map((c) => c.toLowerCase().replace('_', ' '));
    rules.push(`Items returned for a personal reason must be ${conditions.join(' or ')}${p.requireTagsAndNoWear ? ', with tags attached and no signs of wear or washing' : ''}.`);
  }
  rules.push(
    `Return postage is paid by ${p.shippingPaidBy.customer === 'CUSTOMER' ? 'you' : 'us'} for personal reasons and by ${p.shippingPaidBy.merchantFault === 'MERCHANT' ? 'us' : 'you'} when the item is at fault.` +
      (customerPays ? (p.freePickup ? ' Door pickup is free; a drop-off you pay at the counter.' : ' A door pickup you pay for is deducted from the refund; a drop-off you pay at the counter.') : ''),
  );
  if (p.restockingFeePercent > 0) rules.push(`A restocking fee of ${p.restockingFeePercent}% applies to returns for personal reasons.`);
  rules.push(`Refunds go back to the original payment for the items that pass inspection. Returns worth more than ${amount(p.autoApproveCeilingMinor)} are checked by our service team.`);
  return { category: p.category, policyVersion: p.version, locale, currency, title: `${p.category === 'default' ? 'Return policy' : `Return policy: ${p.category}`}`, rules };
}
