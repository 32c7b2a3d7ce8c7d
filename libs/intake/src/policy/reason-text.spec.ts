import { MERCHANT_FAULT_REASONS, ReasonCode } from '@returns/contracts';
import { classifyReasonText, PATTERN_LABELS, REASON_PATTERNS, ReasonTextLabel, screenReasonText } from './reason-text';

describe(classifyReasonText.name, () => {
  it.each([[undefined], [null], [''], ['   '], ['\n\t']])('reads a missing text (%p) as UNKNOWN with no confidence', (text) => {
    expect(classifyReasonText(text)).toEqual({ label: 'UNKNOWN', confidence: 0, matched: [], scores: {} });
  });

  it.each([['送给朋友的礼物'], ['hello'], ['物流太慢了'], ['lol']])('reads "%s", which names no reason, as UNKNOWN', (text) => {
    expect(classifyReasonText(text)).toMatchObject({ label: 'UNKNOWN', confidence: 0 });
  });

  it.each<[string, ReasonTextLabel]>([
    ['太小了', 'SIZE_FIT'],
    ['穿不上', 'SIZE_FIT'],
    ['买大了', 'SIZE_FIT'],
    ["doesn't fit lol", 'SIZE_FIT'],
    ['色差好大', 'COLOR_MISMATCH'],
    ['wrong colour', 'COLOR_MISMATCH'],
    ['跟图片完全两回事', 'NOT_AS_DESCRIBED'],
    ['looks nothing like the photos', 'NOT_AS_DESCRIBED'],
    ['质量太差', 'QUALITY_DEFECT'],
    ['用了两天就坏', 'QUALITY_DEFECT'],
    ['收到就是坏的', 'QUALITY_DEFECT'],
    ['stopped working after a week', 'QUALITY_DEFECT'],
    ['碎了', 'DAMAGED_IN_TRANSIT'],
    ['收到就是烂的', 'DAMAGED_IN_TRANSIT'],
    ['物流把盒子压扁了', 'DAMAGED_IN_TRANSIT'],
    ['arrived smashed', 'DAMAGED_IN_TRANSIT'],
    ['发错货了吧', 'WRONG_ITEM'],
    ['sent me the wrong one', 'WRONG_ITEM'],
    ['七天无理由', 'CHANGED_MIND'],
    ['拍错了', 'CHANGED_MIND'],
    ['不需要了', 'CHANGED_MIND'],
    ['no longer needed', 'CHANGED_MIND'],
    ['ordered by mistake', 'CHANGED_MIND'],
    ['不想要了', 'VAGUE'],
    ['不喜欢', 'VAGUE'],
    ['就是不要了', 'VAGUE'],
    ['meh', 'VAGUE'],
    ['just because', 'VAGUE'],
    ["don't like it", 'VAGUE'],
    ['no reason', 'VAGUE'],
  ])('reads the short text "%s" as %s', (text, label) => {
    expect(classifyReasonText(text).label).toBe(label);
  });

  it.each([['.'], ['。。。'], ['??'], ['👎']])('reads "%s", typed but saying nothing, as VAGUE', (text) => {
    expect(classifyReasonText(text)).toMatchObject({ label: 'VAGUE', matched: [text] });
  });

  it.each<[string, string]>([
    ['质量太差', '質量太差'],
    ['发错货了', '發錯貨了'],
    ['颜色和图片不一样', '顏色和圖片不一樣'],
    ['与描述不符', '與描述不符'],
    ['运输途中压坏了', '運輸途中壓壞了'],
    ['尺码偏小', '尺碼偏小'],
    ['不喜欢了', '不喜歡了'],
  ])('reads simplified "%s" and traditional "%s" alike', (simplified, traditional) => {
    const a = classifyReasonText(simplified);
    const b = classifyReasonText(traditional);
    expect(b.label).toBe(a.label);
    expect(b.scores).toEqual(a.scores);
  });

  it('ignores case and full-width letters', () => {
    expect(classifyReasonText('ＴＯＯ ＳＭＡＬＬ').label).toBe('SIZE_FIT');
    expect(classifyReasonText('WRONG ITEM!!!').label).toBe('WRONG_ITEM');
    expect(classifyReasonText('ｓｉｚｅ不合适').label).toBe('SIZE_FIT');
  });

  it('quotes the matched words as the customer typed them', () => {
    expect(classifyReasonText('尺碼偏小').matched).toEqual(['尺碼', '偏小']);
    expect(classifyReasonText('ＴＯＯ ＳＭＡＬＬ').matched).toEqual(['ＴＯＯ ＳＭＡＬＬ']);
    expect(classifyReasonText('快递压坏了').matched).toContain('快递+压');
  });

  describe('negation', () => {
    it.each<[string, ReasonTextLabel]>([
      ['没有破损，就是太大了', 'SIZE_FIT'],
      ['包装完好没有任何破损，但是颜色不对', 'COLOR_MISMATCH'],
      ['一点都没坏，就是不想要了', 'VAGUE'],
      ['不是质量问题，拍错了', 'CHANGED_MIND'],
      ['not broken, just too small', 'SIZE_FIT'],
      ['no damage to the box, but the color is wrong', 'COLOR_MISMATCH'],
      ['Not damaged, not defective, it is just too big', 'SIZE_FIT'],
    ])('does not count a negated defect or damage in "%s" (%s)', (text, label) => {
      expect(classifyReasonText(text).label).toBe(label);
    });

    it.each([['外包装完好，没有破损'], ['not broken'], ['there is no damage at all']])(
      'finds no reason in "%s", which only denies one',
      (text) => {
        expect(classifyReasonText(text).label).toBe('UNKNOWN');
      },
    );

    it.each<[string, ReasonTextLabel]>([
      ['质量没问题，就是太大', 'SIZE_FIT'],
      ['尺码合适，但是用了三天就坏了', 'QUALITY_DEFECT'],
      ['size is fine but it stopped working', 'QUALITY_DEFECT'],
      ['the colour is right but the size is way off', 'SIZE_FIT'],
    ])('does not count a topic said to be fine in "%s" (%s)', (text, label) => {
      expect(classifyReasonText(text).label).toBe(label);
    });

    it.each<[string, ReasonTextLabel]>([
      ['用了不到两天就坏了', 'QUALITY_DEFECT'],
      ['没想到这么小', 'SIZE_FIT'],
      ['太小了穿不上', 'SIZE_FIT'],
      ['不小心拍了两件', 'CHANGED_MIND'],
    ])('is not fooled by a 不/没 that negates nothing in "%s" (%s)', (text, label) => {
      expect(classifyReasonText(text).label).toBe(label);
    });
  });

  describe('tie-breaking', () => {
    it.each([['快递运输破损'], ['物流把屏幕压碎了'], ['外包装破了，东西也摔坏了'], ['box was crushed and the lamp is broken']])(
      'reads shipping plus damage in "%s" as DAMAGED_IN_TRANSIT, above a plain defect',
      (text) => {
        const c = classifyReasonText(text);
        expect(c.label).toBe('DAMAGED_IN_TRANSIT');
        expect(c.scores.DAMAGED_IN_TRANSIT!).toBeGreaterThan(c.scores.QUALITY_DEFECT ?? 0);
      },
    );

    it.each([['屏幕破損'], ['It is broken'], ['鞋底裂了']])('reads damage with no shipping in "%s" as QUALITY_DEFECT', (text) => {
      expect(classifyReasonText(text).label).toBe('QUALITY_DEFECT');
    });

    it.each([['颜色和图片不一样'], ['实物颜色比照片深很多'], ['the colour looks nothing like the pictures']])(
      'reads colour plus picture in "%s" as COLOR_MISMATCH',
      (text) => {
        expect(classifyReasonText(text).label).toBe('COLOR_MISMATCH');
      },
    );

    it.each([['与描述不符'], ['跟图片不一样'], ['和圖片不一樣'], ['not as described']])(
      'reads a mismatch with no colour in "%s" as NOT_AS_DESCRIBED',
      (text) => {
        expect(classifyReasonText(text).label).toBe('NOT_AS_DESCRIBED');
      },
    );

    it('lets anything specific outweigh "no reason" wording', () => {
      expect(classifyReasonText('太大了，不要了').label).toBe('SIZE_FIT');
      expect(classifyReasonText('不喜欢这个颜色，色差太大').label).toBe('COLOR_MISMATCH');
    });

    it('reads a wrong variant shipped as WRONG_ITEM even when it names a colour or size', () => {
      expect(classifyReasonText('寄錯顏色了').label).toBe('WRONG_ITEM');
      expect(classifyReasonText('我买的是黑色42码，寄来的是白色40码').label).toBe('WRONG_ITEM');
    });
  });

  it('is more confident about an outright text than a mixed one, always within 0..1', () => {
    const outright = classifyReasonText('发错货了');
    const mixed = classifyReasonText('太小了，质量也差');
    expect(outright.confidence).toBeGreaterThan(mixed.confidence);
    for (const c of [outright, mixed]) {
      expect(c.confidence).toBeGreaterThan(0);
      expect(c.confidence).toBeLessThanOrEqual(1);
    }
  });
});

describe(screenReasonText.name, () => {
  it.each([[undefined], [null], [''], ['   ']])('treats a missing text (%p) as CLEAR', (text) => {
    expect(screenReasonText(text, 'QUALITY_DEFECT')).toEqual({ verdict: 'CLEAR', label: 'UNKNOWN', confidence: 0 });
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
    ['the handle is cracked', 'QUALITY_DEFECT'],
    ['the bottle is leaking', 'QUALITY_DEFECT'],
    ['少了配件', 'WRONG_ITEM'],
    ['配件不全', 'WRONG_ITEM'],
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
    ['拍错了', 'CHANGED_MIND'],
    ['no longer needed', 'CHANGED_MIND'],
  ])('recognises "%s" as %s and clears it when that reason was chosen', (text, code) => {
    expect(screenReasonText(text, code)).toMatchObject({ verdict: 'CLEAR', label: code, suggested: code });
  });

  it('prefers the more specific transit damage over a plain defect', () => {
    expect(screenReasonText('快递运输破损', 'CHANGED_MIND')).toMatchObject({
      verdict: 'CONTRADICTS',
      suggested: 'DAMAGED_IN_TRANSIT',
    });
  });

  describe('a vague text', () => {
    it.each([['不喜歡了'], ['不喜欢了'], ['不想要了'], ['不要了'], ["I don't like it"], ['no reason'], ['meh'], ['.']])(
      'is VAGUE under OTHER: "%s"',
      (text) => {
        expect(screenReasonText(text, 'OTHER')).toMatchObject({ verdict: 'VAGUE', label: 'VAGUE' });
      },
    );

    it.each([['不想要了'], ['就是不要了'], ['meh'], ['just because']])('is CLEAR under CHANGED_MIND, which it fits: "%s"', (text) => {
      expect(screenReasonText(text, 'CHANGED_MIND')).toMatchObject({ verdict: 'CLEAR', label: 'VAGUE', suggested: 'CHANGED_MIND' });
    });

    it.each([['SIZE_FIT'], ['COLOR_MISMATCH']] as const)('is VAGUE under the customer reason %s, which it does not explain', (code) => {
      expect(screenReasonText('不想要了', code)).toMatchObject({ verdict: 'VAGUE' });
    });

    it.each(MERCHANT_FAULT_REASONS.map((code) => [code]))(
      'CONTRADICTS the merchant-fault reason %s, pointing to CHANGED_MIND',
      (code) => {
        expect(screenReasonText('不想要了', code)).toEqual({
          verdict: 'CONTRADICTS',
          label: 'VAGUE',
          confidence: expect.any(Number),
          suggested: 'CHANGED_MIND',
          matched: '不想要',
        });
      },
    );
  });

  it('clears a text that points to another reason of the same group', () => {
    expect(screenReasonText('颜色不好看', 'SIZE_FIT')).toMatchObject({ verdict: 'CLEAR', suggested: 'COLOR_MISMATCH' });
    expect(screenReasonText('发错了', 'QUALITY_DEFECT')).toMatchObject({ verdict: 'CLEAR', suggested: 'WRONG_ITEM' });
    expect(screenReasonText('拍错了', 'SIZE_FIT')).toMatchObject({ verdict: 'CLEAR', suggested: 'CHANGED_MIND' });
    expect(screenReasonText('box arrived crushed', 'WRONG_ITEM')).toMatchObject({ verdict: 'CLEAR', suggested: 'DAMAGED_IN_TRANSIT' });
  });

  it('flags a customer-reason text sent with a merchant-fault code as CONTRADICTS', () => {
    expect(screenReasonText('太小了穿不上', 'QUALITY_DEFECT')).toEqual({
      verdict: 'CONTRADICTS',
      label: 'SIZE_FIT',
      confidence: expect.any(Number),
      suggested: 'SIZE_FIT',
      matched: '太小了, 穿不上',
    });
    expect(screenReasonText('买大了', 'QUALITY_DEFECT')).toMatchObject({ verdict: 'CONTRADICTS', suggested: 'SIZE_FIT' });
    expect(screenReasonText('七天无理由', 'NOT_AS_DESCRIBED')).toMatchObject({ verdict: 'CONTRADICTS', suggested: 'CHANGED_MIND' });
  });

  it('flags a merchant-fault text sent with a customer-reason code as CONTRADICTS', () => {
    expect(screenReasonText('quality is terrible, broken', 'CHANGED_MIND')).toMatchObject({
      verdict: 'CONTRADICTS',
      suggested: 'QUALITY_DEFECT',
    });
    expect(screenReasonText('收到就是坏的', 'SIZE_FIT')).toMatchObject({ verdict: 'CONTRADICTS', suggested: 'QUALITY_DEFECT' });
    expect(screenReasonText('发错货了吧', 'OTHER')).toMatchObject({ verdict: 'CONTRADICTS', suggested: 'WRONG_ITEM' });
  });

  it('does not let a denied defect contradict the chosen reason', () => {
    expect(screenReasonText('没有破损，就是太大了', 'SIZE_FIT')).toMatchObject({ verdict: 'CLEAR', suggested: 'SIZE_FIT' });
    expect(screenReasonText('not broken, I just changed my mind', 'CHANGED_MIND')).toMatchObject({ verdict: 'CLEAR' });
  });

  it('clears a text that mentions both groups when one of them fits the chosen reason', () => {
    expect(screenReasonText('颜色和图片不一样', 'NOT_AS_DESCRIBED')).toMatchObject({
      verdict: 'CLEAR',
      label: 'COLOR_MISMATCH',
      suggested: 'NOT_AS_DESCRIBED',
    });
    expect(screenReasonText('颜色和图片不一样', 'COLOR_MISMATCH')).toMatchObject({ verdict: 'CLEAR', suggested: 'COLOR_MISMATCH' });
  });

  it('clears a text it does not understand', () => {
    expect(screenReasonText('送给朋友的礼物', 'CHANGED_MIND')).toEqual({ verdict: 'CLEAR', label: 'UNKNOWN', confidence: 0 });
  });

  it('keeps its knowledge in a table of weighted patterns that covers every label', () => {
    expect(REASON_PATTERNS.every((p) => p.allOf.length > 0 && p.weight > 0)).toBe(true);
    const labels = new Set(REASON_PATTERNS.map((p) => p.suggests));
    for (const label of PATTERN_LABELS) {
      expect(labels).toContain(label);
    }
  });
});
