import { ReasonCode } from '@returns/contracts';
import { REASON_PATTERNS, screenReasonText } from './reason-text';

describe(screenReasonText.name, () => {
  it.each([[undefined], [null], [''], ['   ']])('treats a missing text (%p) as CLEAR', (text) => {
    expect(screenReasonText(text, 'QUALITY_DEFECT')).toEqual({ verdict: 'CLEAR' });
  });

  it.each<[string, ReasonCode]>([
    ['有色差', 'COLOR_MISMATCH'],
    ['收到的顏色和圖片差很多', 'COLOR_MISMATCH'],
    ['The colour is off', 'COLOR_MISMATCH'],
    ['wrong COLOR', 'COLOR_MISMATCH'],
    ['屏幕破損', 'QUALITY_DEFECT'],
    ['用了一天就坏了', 'QUALITY_DEFECT'],
    ['質量太差', 'QUALITY_DEFECT'],
    ['It is broken', 'QUALITY_DEFECT'],
    ['manufacturing defect on the zipper', 'QUALITY_DEFECT'],
    ['快递压坏了', 'DAMAGED_IN_TRANSIT'],
    ['運輸途中破了', 'DAMAGED_IN_TRANSIT'],
    ['box damaged in transit', 'DAMAGED_IN_TRANSIT'],
    ['尺碼不對', 'SIZE_FIT'],
    ['太小了', 'SIZE_FIT'],
    ['too big for me', 'SIZE_FIT'],
    ['It doesn’t fit', 'SIZE_FIT'],
    ['商家發錯了', 'WRONG_ITEM'],
    ['发错货了', 'WRONG_ITEM'],
    ['Received the wrong item', 'WRONG_ITEM'],
    ['與描述不符', 'NOT_AS_DESCRIBED'],
    ['与描述不符', 'NOT_AS_DESCRIBED'],
    ['not as described', 'NOT_AS_DESCRIBED'],
    ['和圖片不一樣', 'NOT_AS_DESCRIBED'],
  ])('recognises "%s" as %s and clears it when that reason was chosen', (text, code) => {
    expect(screenReasonText(text, code)).toMatchObject({ verdict: 'CLEAR', suggested: code });
  });

  it('prefers the more specific transit damage over a plain defect', () => {
    expect(screenReasonText('快递运输破损', 'CHANGED_MIND')).toMatchObject({
      verdict: 'CONTRADICTS',
      suggested: 'DAMAGED_IN_TRANSIT',
    });
  });

  it.each([['不喜歡了'], ['不喜欢了'], ['不想要了'], ['不要了'], ["I don't like it"], ['no reason']])(
    'calls "%s" VAGUE',
    (text) => {
      expect(screenReasonText(text, 'OTHER')).toMatchObject({ verdict: 'VAGUE' });
    },
  );

  it('ignores vague wording when something more specific matched', () => {
    expect(screenReasonText('太大了，不要了', 'SIZE_FIT')).toMatchObject({ verdict: 'CLEAR', suggested: 'SIZE_FIT' });
  });

  it('clears a text that points to another reason of the same group', () => {
    expect(screenReasonText('颜色不好看', 'SIZE_FIT')).toMatchObject({ verdict: 'CLEAR', suggested: 'COLOR_MISMATCH' });
    expect(screenReasonText('发错了', 'QUALITY_DEFECT')).toMatchObject({ verdict: 'CLEAR', suggested: 'WRONG_ITEM' });
  });

  it('flags a customer-reason text sent with a merchant-fault code as CONTRADICTS', () => {
    expect(screenReasonText('太小了穿不上', 'QUALITY_DEFECT')).toEqual({
      verdict: 'CONTRADICTS',
      suggested: 'SIZE_FIT',
      matched: '太小',
    });
  });

  it('flags a merchant-fault text sent with a customer-reason code as CONTRADICTS', () => {
    expect(screenReasonText('quality is terrible, broken', 'CHANGED_MIND')).toMatchObject({
      verdict: 'CONTRADICTS',
      suggested: 'QUALITY_DEFECT',
    });
  });

  it('clears a text that mentions both groups when one of them fits the chosen reason', () => {
    expect(screenReasonText('颜色和图片不一样', 'NOT_AS_DESCRIBED')).toMatchObject({ verdict: 'CLEAR', suggested: 'NOT_AS_DESCRIBED' });
    expect(screenReasonText('颜色和图片不一样', 'COLOR_MISMATCH')).toMatchObject({ verdict: 'CLEAR', suggested: 'COLOR_MISMATCH' });
  });

  it('clears a text it does not understand', () => {
    expect(screenReasonText('送给朋友的礼物', 'CHANGED_MIND')).toEqual({ verdict: 'CLEAR' });
  });

  it('keeps its knowledge in a table of patterns', () => {
    expect(REASON_PATTERNS.length).toBeGreaterThan(0);
    expect(REASON_PATTERNS.every((p) => p.allOf.length > 0)).toBe(true);
  });
});
