import { CustomerMessage } from '@returns/contracts';

type Template = (p: Record<string, string>) => string;

/** Customer-facing texts in Chinese and English. `p.rma` is always there. */
const TEMPLATES: Record<CustomerMessage, { zh: Template; en: Template }> = {
  'return.approved': {
    zh: (p) => `您的退貨申請 ${p.rma} 已通過審核，我們將盡快安排退貨物流。`,
    en: (p) => `Your return ${p.rma} is approved. We are arranging how to send it back.`,
  },
  'return.rejected': {
    zh: (p) => `很抱歉，您的退貨申請 ${p.rma} 未通過審核。詳情請查看訂單頁面。`,
    en: (p) => `Sorry, your return ${p.rma} could not be accepted. See your order page for why.`,
  },
  'return.pending_review': {
    zh: (p) => `您的退貨申請 ${p.rma} 已提交，客服將在 48 小時內處理。`,
    en: (p) => `Your return ${p.rma} is with our customer service team, who will decide within 48 hours.`,
  },
  'label.ready': {
    zh: (p) => `退貨 ${p.rma}：請將商品寄回，快遞 ${p.carrier}，運單號 ${p.trackingNumber}。`,
    en: (p) => `Return ${p.rma}: please send it back with ${p.carrier}, tracking number ${p.trackingNumber}.`,
  },
  'pickup.booked': {
    zh: (p) => `退貨 ${p.rma}：${p.carrier} 將於 ${p.pickupFrom ?? '約定時間'} 上門取件，運單號 ${p.trackingNumber}。`,
    en: (p) => `Return ${p.rma}: ${p.carrier} will collect it from ${p.pickupFrom ?? 'the agreed time'}, tracking number ${p.trackingNumber}.`,
  },
  'return.received': {
    zh: (p) => `倉庫已收到您的退貨 ${p.rma}，正在質檢。`,
    en: (p) => `The warehouse received your return ${p.rma} and is inspecting it.`,
  },
  'inspection.failed': {
    zh: (p) => `退貨 ${p.rma} 未通過質檢，商品將寄回給您。`,
    en: (p) => `Return ${p.rma} did not pass inspection; the item will be sent back to you.`,
  },
  'refund.succeeded': {
    zh: (p) => `退貨 ${p.rma} 已退款 ${p.amount}，原路退回 ${p.method}。`,
    en: (p) => `Return ${p.rma}: ${p.amount} has been refunded to your ${p.method}.`,
  },
  'refund.failed': {
    zh: (p) => `退貨 ${p.rma} 的退款暫時未能完成，財務同事正在處理。`,
    en: (p) => `The refund of return ${p.rma} did not go through yet; our finance team is on it.`,
  },
  'return.closed': {
    zh: (p) => `退貨 ${p.rma} 因逾期未寄回已關閉。`,
    en: (p) => `Return ${p.rma} was closed because it was not sent back in time.`,
  },
  'return.cancelled': {
    zh: (p) => `退貨 ${p.rma} 已取消。`,
    en: (p) => `Return ${p.rma} is cancelled.`,
  },
};

export function renderMessage(message: CustomerMessage, locale: string, params: Record<string, string>): string {
  const template = TEMPLATES[message];
  return (locale.toLowerCase().startsWith('zh') ? template.zh : template.en)(params);
}
