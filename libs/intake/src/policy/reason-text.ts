import { ReasonCode, reasonGroupOf } from '@returns/contracts';

export type ReasonTextVerdict = 'CLEAR' | 'VAGUE' | 'CONTRADICTS';

export interface ReasonTextScreening {
  verdict: ReasonTextVerdict;
  /** The reason the text points to, when it points to one. */
  suggested?: ReasonCode;
  /** The words that decided it. */
  matched?: string;
}

export interface ReasonPattern {
  /** The reason the text points to; `VAGUE` for texts that give no reason at all. */
  suggests: ReasonCode | 'VAGUE';
  /** Every pattern must occur in the text (all lower-cased). */
  allOf: readonly RegExp[];
}

const SHIPPING = /快遞|快递|運輸|运输|物流|shipping|transit|courier|delivery|包裹|外箱/;
const SHIPPING_DAMAGE = /破|壓壞|压坏|壓扁|压扁|damaged|crushed|broken/;

/**
 * Keyword table, Chinese (simplified and traditional) and English. Order matters
 * only for which suggestion is reported first; combinations (shipping + damage)
 * come before their parts. Add rows to grow it.
 */
export const REASON_PATTERNS: readonly ReasonPattern[] = [
  { suggests: 'DAMAGED_IN_TRANSIT', allOf: [SHIPPING, SHIPPING_DAMAGE] },
  { suggests: 'DAMAGED_IN_TRANSIT', allOf: [/arrived damaged|damaged on arrival/] },
  { suggests: 'WRONG_ITEM', allOf: [/發錯|发错|寄錯|寄错|wrong item|wrong product|not what i ordered/] },
  {
    suggests: 'NOT_AS_DESCRIBED',
    allOf: [/與描述不符|与描述不符|描述不符|not as described|圖片不一樣|图片不一样|與圖片不符|与图片不符|different from the (picture|photo)/],
  },
  {
    suggests: 'QUALITY_DEFECT',
    allOf: [/破損|破损|壞了|坏了|broken|defect|faulty|not working|質量|质量|瑕疵|故障|開線|开线/],
  },
  { suggests: 'COLOR_MISMATCH', allOf: [/色差|顏色|颜色|colour|color/] },
  {
    suggests: 'SIZE_FIT',
    allOf: [/尺碼|尺码|太小|太大|偏小|偏大|too small|too big|too large|too tight|too loose|doesn't fit|does not fit|wrong size/],
  },
  {
    suggests: 'VAGUE',
    allOf: [/不喜歡了|不喜欢了|不想要了|不要了|don't like|do not like|no reason|don't want|do not want/],
  },
];

function normalize(text: string): string {
  return text.trim().toLowerCase().replace(/[\u2018\u2019\u02bc]/g, "'");
}

function matchOf(pattern: ReasonPattern, text: string): string | undefined {
  const found: string[] = [];
  for (const re of pattern.allOf) {
    const m = re.exec(text);
    if (!m) return undefined;
    found.push(m[0]);
  }
  return found.join('+');
}

/**
 * Screens a customer's free text against the reason code they chose.
 * - no text, or nothing recognised: CLEAR (the text is optional);
 * - a recognised reason consistent with the chosen one (same reason group,
 *   `reasonGroupOf`): CLEAR, preferring the chosen code itself when it matches;
 * - recognised reasons that all belong to the other group: CONTRADICTS;
 * - only "no reason" wording and nothing more specific: VAGUE.
 */
export function screenReasonText(text: string | undefined | null, reasonCode: ReasonCode): ReasonTextScreening {
  const normalized = normalize(text ?? '');
  if (normalized === '') return { verdict: 'CLEAR' };

  const specific: { code: ReasonCode; matched: string }[] = [];
  let vague: string | undefined;
  for (const pattern of REASON_PATTERNS) {
    const matched = matchOf(pattern, normalized);
    if (matched === undefined) continue;
    if (pattern.suggests === 'VAGUE') vague ??= matched;
    else specific.push({ code: pattern.suggests, matched });
  }

  if (specific.length > 0) {
    const group = reasonGroupOf(reasonCode);
    const consistent =
      specific.find((s) => s.code === reasonCode) ?? specific.find((s) => reasonGroupOf(s.code) === group);
    if (consistent) return { verdict: 'CLEAR', suggested: consistent.code, matched: consistent.matched };
    return { verdict: 'CONTRADICTS', suggested: specific[0].code, matched: specific[0].matched };
  }
  if (vague !== undefined) return { verdict: 'VAGUE', matched: vague };
  return { verdict: 'CLEAR' };
}
