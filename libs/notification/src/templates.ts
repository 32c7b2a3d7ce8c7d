import { CustomerMessage } from '@returns/contracts';

type Params = Record<string, string>;
type Template = (p: Params) => string;
type Language = 'zh-Hans' | 'zh-Hant' | 'en';

const PICKUP_TIME: Intl.DateTimeFormatOptions = { timeZone: 'Asia/Shanghai', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false };
/** Made once: a formatter costs far more to build than to use. */
const PICKUP_FORMAT = { en: new Intl.DateTimeFormat('en-GB', PICKUP_TIME), zh: new Intl.DateTimeFormat('zh-CN', PICKUP_TIME) };

/** A pickup time as a customer in China reads it: "11月27日 09:00" / "27 Nov 09:00". */
function when(iso: string | undefined, language: Language): string {
  if (!iso) return language === 'en' ? 'the agreed time' : '约定时间';
  return PICKUP_FORMAT[language === 'en' ? 'en' : 'zh'].format(new Date(iso));
}

function hours(count: string): string {
  return count === '1' ? '1 hour' : `${count} hours`;
}

/**
 * Customer-facing texts in Simplified and Traditional Chinese and English. `p.rma` is always there;
 * `return.pending_review` has `p.reviewHours` (REVIEW_DEADLINE, whole hours rounded up; 48 for a job queued without it).
 * `label.ready` and `pickup.booked` tell the approval too: a case sent back hears of its approval
 * with how to send it, a refund-only case with its refund (`refund.succeeded`, `refund.failed`
 * with `p.refundOnly`). `return.approved` alone goes to a case whose booking or first payment
 * failed (see `LogisticsService`, `RefundService`).
 */
const TEMPLATES: Record<CustomerMessage, Record<Language, Template>> = {
  'return.approved': {
    'zh-Hans': (p) => (p.refundOnly ? `您的仅退款申请 ${p.rma} 已通过审核，退款正在处理中。` : `您的退货申请 ${p.rma} 已通过审核，我们将尽快安排退货物流。`),
    'zh-Hant': (p) => (p.refundOnly ? `您的僅退款申請 ${p.rma} 已通過審核，退款正在處理中。` : `您的退貨申請 ${p.rma} 已通過審核，我們將盡快安排退貨物流。`),
    en: (p) => (p.refundOnly ? `Your refund request ${p.rma} is approved; the refund is on its way.` : `Your return ${p.rma} is approved. We are arranging how to send it back.`),
  },
  'return.rejected': {
    'zh-Hans': (p) => `很抱歉，您的退货申请 ${p.rma} 未通过审核，详情请查看订单页面。`,
    'zh-Hant': (p) => `很抱歉，您的退貨申請 ${p.rma} 未通過審核，詳情請查看訂單頁面。`,
    en: (p) => `Sorry, your return ${p.rma} could not be accepted. See your order page for why.`,
  },
  'return.pending_review': {
    'zh-Hans': (p) => `您的退货申请 ${p.rma} 已提交，客服将在 ${p.reviewHours ?? '48'} 小时内处理。`,
    'zh-Hant': (p) => `您的退貨申請 ${p.rma} 已提交，客服將在 ${p.reviewHours ?? '48'} 小時內處理。`,
    en: (p) => `Your return ${p.rma} is with our customer service team, who will decide within ${hours(p.reviewHours ?? '48')}.`,
  },
  'return.clarification_needed': {
    'zh-Hans': (p) => `您的退货申请 ${p.rma} 需要补充说明：请在订单页描述商品的具体问题，并上传照片，客服会尽快处理。`,
    'zh-Hant': (p) => `您的退貨申請 ${p.rma} 需要補充說明：請在訂單頁描述商品的具體問題，並上傳照片，客服會盡快處理。`,
    en: (p) => `Your return ${p.rma} needs a few more details: please describe what is wrong with the item and add photos on your order page.`,
  },
  'label.ready': {
    'zh-Hans': (p) => `您的退货申请 ${p.rma} 已通过审核，请用 ${p.carrier} 寄回商品，运单号 ${p.trackingNumber}。`,
    'zh-Hant': (p) => `您的退貨申請 ${p.rma} 已通過審核，請用 ${p.carrier} 寄回商品，運單號 ${p.trackingNumber}。`,
    en: (p) => `Your return ${p.rma} is approved: please send it back with ${p.carrier}, tracking number ${p.trackingNumber}.`,
  },
  'pickup.booked': {
    'zh-Hans': (p) => `您的退货申请 ${p.rma} 已通过审核，${p.carrier} 将于 ${when(p.pickupFrom, 'zh-Hans')} 起上门取件，运单号 ${p.trackingNumber}。`,
    'zh-Hant': (p) => `您的退貨申請 ${p.rma} 已通過審核，${p.carrier} 將於 ${when(p.pickupFrom, 'zh-Hant')} 起上門取件，運單號 ${p.trackingNumber}。`,
    en: (p) => `Your return ${p.rma} is approved: ${p.carrier} will collect it from ${when(p.pickupFrom, 'en')}, tracking number ${p.trackingNumber}.`,
  },
  'return.received': {
    'zh-Hans': (p) => `仓库已收到您的退货 ${p.rma}，正在质检。`,
    'zh-Hant': (p) => `倉庫已收到您的退貨 ${p.rma}，正在質檢。`,
    en: (p) => `The warehouse received your return ${p.rma} and is inspecting it.`,
  },
  'inspection.failed': {
    'zh-Hans': (p) => (p.nothingCame ? `退货 ${p.rma} 的包裹中没有您申请退回的商品，客服将与您联系。` : `退货 ${p.rma} 未通过质检，商品将寄回给您。`),
    'zh-Hant': (p) => (p.nothingCame ? `退貨 ${p.rma} 的包裹中沒有您申請退回的商品，客服將與您聯繫。` : `退貨 ${p.rma} 未通過質檢，商品將寄回給您。`),
    en: (p) => (p.nothingCame ? `The parcel of return ${p.rma} did not hold the items of your return; our customer service will contact you.` : `Return ${p.rma} did not pass inspection; the item will be sent back to you.`),
  },
  // What goes back is what failed inspection, or units sent beyond what the return asked for
  // (its other units may have passed): the text names both, not a failed inspection alone.
  'item.sent_back': {
    'zh-Hans': (p) => `退货 ${p.rma} 中未予接收的商品（未通过质检，或不在退货申请中）已由 ${p.carrier} 寄回给您，运单号 ${p.trackingNumber}。`,
    'zh-Hant': (p) => `退貨 ${p.rma} 中未予接收的商品（未通過質檢，或不在退貨申請中）已由 ${p.carrier} 寄回給您，運單號 ${p.trackingNumber}。`,
    en: (p) => `What we could not accept of return ${p.rma} (it did not pass inspection, or was not part of your return) is on its way back to you with ${p.carrier}, tracking number ${p.trackingNumber}.`,
  },
  'exchange.shipped': {
    'zh-Hans': (p) => `您的换货 ${p.rma} 已验收，新商品已由 ${p.carrier} 发出，运单号 ${p.trackingNumber}。`,
    'zh-Hant': (p) => `您的換貨 ${p.rma} 已驗收，新商品已由 ${p.carrier} 發出，運單號 ${p.trackingNumber}。`,
    en: (p) => `Your exchange ${p.rma} passed inspection: the replacement is on its way with ${p.carrier}, tracking number ${p.trackingNumber}.`,
  },
  'refund.succeeded': {
    'zh-Hans': (p) =>
      (p.refundOnly ? `您的仅退款申请 ${p.rma} 已通过审核，已退款 ${p.amount}，原路退回 ${p.method}。` : `退货 ${p.rma} 已退款 ${p.amount}，原路退回 ${p.method}。`) +
      (p.surveyUrl ? `欢迎为本次售后服务评分：${p.surveyUrl}` : ''),
    'zh-Hant': (p) =>
      (p.refundOnly ? `您的僅退款申請 ${p.rma} 已通過審核，已退款 ${p.amount}，原路退回 ${p.method}。` : `退貨 ${p.rma} 已退款 ${p.amount}，原路退回 ${p.method}。`) +
      (p.surveyUrl ? `歡迎為本次售後服務評分：${p.surveyUrl}` : ''),
    en: (p) =>
      (p.refundOnly ? `Your refund request ${p.rma} is approved: ${p.amount} has been refunded to your ${p.method}.` : `Return ${p.rma}: ${p.amount} has been refunded to your ${p.method}.`) +
      (p.surveyUrl ? ` How did we do? ${p.surveyUrl}` : ''),
  },
  'refund.failed': {
    'zh-Hans': (p) => (p.refundOnly ? `您的仅退款申请 ${p.rma} 已通过审核，但退款暂未完成，财务同事正在处理。` : `退货 ${p.rma} 的退款暂未完成，财务同事正在处理。`),
    'zh-Hant': (p) => (p.refundOnly ? `您的僅退款申請 ${p.rma} 已通過審核，但退款暫未完成，財務同事正在處理。` : `退貨 ${p.rma} 的退款暫未完成，財務同事正在處理。`),
    en: (p) => (p.refundOnly ? `Your refund request ${p.rma} is approved, but the refund did not go through yet; our finance team is on it.` : `The refund of return ${p.rma} did not go through yet; our finance team is on it.`),
  },
  'return.closed': {
    'zh-Hans': (p) => `退货 ${p.rma} 因逾期未寄回已关闭。`,
    'zh-Hant': (p) => `退貨 ${p.rma} 因逾期未寄回已關閉。`,
    en: (p) => `Return ${p.rma} was closed because it was not sent back in time.`,
  },
  'return.cancelled': {
    'zh-Hans': (p) => `退货 ${p.rma} 已取消。`,
    'zh-Hant': (p) => `退貨 ${p.rma} 已取消。`,
    en: (p) => `Return ${p.rma} is cancelled.`,
  },
};

/**
 * Chinese (zh) and Cantonese (yue) read Chinese, the rest English. The script a tag names
 * decides (zh-Hans-HK is Simplified, zh-Hant Traditional); without one, Taiwan, Hong Kong,
 * Macao and Cantonese read Traditional, other Chinese Simplified.
 */
export function languageOf(locale: string): Language {
  const [language, ...subtags] = locale.toLowerCase().split('-');
  if (language !== 'zh' && language !== 'yue') return 'en';
  if (subtags.includes('hans')) return 'zh-Hans';
  if (subtags.includes('hant')) return 'zh-Hant';
  return language === 'yue' || subtags.some((s) => s === 'tw' || s === 'hk' || s === 'mo') ? 'zh-Hant' : 'zh-Hans';
}

export function renderMessage(message: CustomerMessage, locale: string, params: Params): string {
  return TEMPLATES[message][languageOf(locale)](params);
}
