import { ReasonCode } from '@returns/contracts';

export type ReasonExampleLang = 'zh-Hans' | 'zh-Hant' | 'en';

export interface ReasonExample {
  /** what a customer typed into `reasonText`, as typed (typos, emoji and all) */
  text: string;
  /** the reason a person reading the text would file it under; `VAGUE` when it says nothing about the item */
  label: ReasonCode | 'VAGUE';
  lang: ReasonExampleLang;
}

/**
 * Hand-labelled customer reason texts, the yardstick of `classifyReasonText`
 * (reason-classifier.spec.ts). Written as customers write, not as keyword lists:
 * keep it that way, and never copy a text from here into the classifier's patterns.
 * Ordering mistakes, duplicates and "don't need it any more" are CHANGED_MIND;
 * physical damage on arrival is DAMAGED_IN_TRANSIT, an item that does not work is
 * QUALITY_DEFECT; missing pieces and wrong variants shipped are WRONG_ITEM.
 */
export const REASON_EXAMPLES: readonly ReasonExample[] = [
  // SIZE_FIT
  { text: '太小了', label: 'SIZE_FIT', lang: 'zh-Hans' },
  { text: '买大了，平时穿M，这件M跟别家的L差不多', label: 'SIZE_FIT', lang: 'zh-Hans' },
  { text: '穿不上', label: 'SIZE_FIT', lang: 'zh-Hans' },
  { text: '鞋子偏码，挤脚，走两步就疼', label: 'SIZE_FIT', lang: 'zh-Hans' },
  { text: '裤子太长了，腰也松', label: 'SIZE_FIT', lang: 'zh-Hans' },
  { text: 'size不对，小了一圈', label: 'SIZE_FIT', lang: 'zh-Hans' },
  { text: '肩膀太窄，抬手都费劲😣', label: 'SIZE_FIT', lang: 'zh-Hans' },
  { text: '尺碼偏小，建議大家買大一號', label: 'SIZE_FIT', lang: 'zh-Hant' },
  { text: '袖子太短了，穿起來很奇怪', label: 'SIZE_FIT', lang: 'zh-Hant' },
  { text: '穿著很緊，完全不合身', label: 'SIZE_FIT', lang: 'zh-Hant' },
  { text: "doesn't fit lol", label: 'SIZE_FIT', lang: 'en' },
  { text: "Too small, I'm usually a medium and this feels like an XS", label: 'SIZE_FIT', lang: 'en' },
  { text: 'runs big, had to send it back', label: 'SIZE_FIT', lang: 'en' },
  { text: 'the waist is way too tight', label: 'SIZE_FIT', lang: 'en' },
  { text: 'Sleeves are too short for me', label: 'SIZE_FIT', lang: 'en' },
  { text: "ordered my usual size but it's huge on me", label: 'SIZE_FIT', lang: 'en' },
  { text: 'shoes pinch my toes, need half a size up', label: 'SIZE_FIT', lang: 'en' },
  { text: 'Doesnt fit 😕', label: 'SIZE_FIT', lang: 'en' },
  { text: 'way too big lmao, swimming in it', label: 'SIZE_FIT', lang: 'en' },

  // COLOR_MISMATCH
  { text: '色差好大', label: 'COLOR_MISMATCH', lang: 'zh-Hans' },
  { text: '颜色跟图片差太多了，图上是米白收到是黄的', label: 'COLOR_MISMATCH', lang: 'zh-Hans' },
  { text: '说是藏青色，结果来的是黑色', label: 'COLOR_MISMATCH', lang: 'zh-Hans' },
  { text: '颜色太艳了，跟网上看的不一样', label: 'COLOR_MISMATCH', lang: 'zh-Hans' },
  { text: '有色差，不是我想要的那种粉', label: 'COLOR_MISMATCH', lang: 'zh-Hans' },
  { text: '收到的是深灰，我看页面明明是浅灰', label: 'COLOR_MISMATCH', lang: 'zh-Hans' },
  { text: '實物顏色比照片深很多', label: 'COLOR_MISMATCH', lang: 'zh-Hant' },
  { text: '顏色不對啦', label: 'COLOR_MISMATCH', lang: 'zh-Hant' },
  { text: '顏色偏暗，和賣家秀差很多', label: 'COLOR_MISMATCH', lang: 'zh-Hant' },
  { text: 'wrong colour', label: 'COLOR_MISMATCH', lang: 'en' },
  { text: 'The color is way off from the pictures', label: 'COLOR_MISMATCH', lang: 'en' },
  { text: "It's more orange than red", label: 'COLOR_MISMATCH', lang: 'en' },
  { text: 'colour looks totally different in person', label: 'COLOR_MISMATCH', lang: 'en' },
  { text: 'Ordered navy, this is basically black', label: 'COLOR_MISMATCH', lang: 'en' },
  { text: 'the shade is much darker than shown online', label: 'COLOR_MISMATCH', lang: 'en' },
  { text: 'pink looks purple irl', label: 'COLOR_MISMATCH', lang: 'en' },
  { text: "colour's off 🙁", label: 'COLOR_MISMATCH', lang: 'en' },
  { text: 'The grey is way lighter than the photos', label: 'COLOR_MISMATCH', lang: 'en' },

  // NOT_AS_DESCRIBED
  { text: '跟图片完全两回事', label: 'NOT_AS_DESCRIBED', lang: 'zh-Hans' },
  { text: '与描述不符，说是纯棉的其实是化纤', label: 'NOT_AS_DESCRIBED', lang: 'zh-Hans' },
  { text: '详情页写的真皮，收到一看是PU', label: 'NOT_AS_DESCRIBED', lang: 'zh-Hans' },
  { text: '买家秀和卖家秀的区别，图片仅供参考是吧🙄', label: 'NOT_AS_DESCRIBED', lang: 'zh-Hans' },
  { text: '材质跟描述的不一样', label: 'NOT_AS_DESCRIBED', lang: 'zh-Hans' },
  { text: '说好的送收纳袋，啥都没有，虚假宣传', label: 'NOT_AS_DESCRIBED', lang: 'zh-Hans' },
  { text: '貨不對板', label: 'NOT_AS_DESCRIBED', lang: 'zh-Hant' },
  { text: '實物和圖片差太多了', label: 'NOT_AS_DESCRIBED', lang: 'zh-Hant' },
  { text: '和網上看到的完全不同，根本是騙人的', label: 'NOT_AS_DESCRIBED', lang: 'zh-Hant' },
  { text: 'looks nothing like the photos', label: 'NOT_AS_DESCRIBED', lang: 'en' },
  { text: 'not as described', label: 'NOT_AS_DESCRIBED', lang: 'en' },
  { text: 'Listing says 100% cotton, the label inside says polyester', label: 'NOT_AS_DESCRIBED', lang: 'en' },
  { text: 'The lamp is much smaller than it looks in the pictures', label: 'NOT_AS_DESCRIBED', lang: 'en' },
  { text: "description said it was waterproof, it's not", label: 'NOT_AS_DESCRIBED', lang: 'en' },
  { text: 'Not what was advertised at all', label: 'NOT_AS_DESCRIBED', lang: 'en' },
  { text: 'very different from the product page', label: 'NOT_AS_DESCRIBED', lang: 'en' },
  { text: 'misleading pics, feels like cheap plastic not metal', label: 'NOT_AS_DESCRIBED', lang: 'en' },
  { text: 'The page claims 128GB but it only has 64GB', label: 'NOT_AS_DESCRIBED', lang: 'en' },

  // QUALITY_DEFECT
  { text: '质量太差', label: 'QUALITY_DEFECT', lang: 'zh-Hans' },
  { text: '用了两天就坏', label: 'QUALITY_DEFECT', lang: 'zh-Hans' },
  { text: '收到就是坏的', label: 'QUALITY_DEFECT', lang: 'zh-Hans' },
  { text: '拉链一拉就掉了，做工太差', label: 'QUALITY_DEFECT', lang: 'zh-Hans' },
  { text: '洗了一次就掉色，还起球', label: 'QUALITY_DEFECT', lang: 'zh-Hans' },
  { text: '充不进电，换了几根线都不行', label: 'QUALITY_DEFECT', lang: 'zh-Hans' },
  { text: '线头好多，袖口还开线了', label: 'QUALITY_DEFECT', lang: 'zh-Hans' },
  { text: '屏幕有个坏点，强迫症受不了', label: 'QUALITY_DEFECT', lang: 'zh-Hans' },
  { text: '鞋底开胶了，穿了不到一周', label: 'QUALITY_DEFECT', lang: 'zh-Hans' },
  { text: '開機沒反應', label: 'QUALITY_DEFECT', lang: 'zh-Hant' },
  { text: '品質很差，縫線歪七扭八的', label: 'QUALITY_DEFECT', lang: 'zh-Hant' },
  { text: 'stopped working after a week', label: 'QUALITY_DEFECT', lang: 'en' },
  { text: "won't charge at all", label: 'QUALITY_DEFECT', lang: 'en' },
  { text: 'Cheap material, seams coming apart already', label: 'QUALITY_DEFECT', lang: 'en' },
  { text: 'the left earbud has no sound', label: 'QUALITY_DEFECT', lang: 'en' },
  { text: 'Defective, makes a buzzing noise when you turn it on', label: 'QUALITY_DEFECT', lang: 'en' },
  { text: 'poor quality, fell apart in days', label: 'QUALITY_DEFECT', lang: 'en' },
  { text: 'screen flickers constantly', label: 'QUALITY_DEFECT', lang: 'en' },
  { text: 'The handle snapped off the first time I used it', label: 'QUALITY_DEFECT', lang: 'en' },
  { text: 'broke on the 2nd day', label: 'QUALITY_DEFECT', lang: 'en' },

  // DAMAGED_IN_TRANSIT
  { text: '物流把盒子压扁了', label: 'DAMAGED_IN_TRANSIT', lang: 'zh-Hans' },
  { text: '碎了', label: 'DAMAGED_IN_TRANSIT', lang: 'zh-Hans' },
  { text: '收到就是烂的', label: 'DAMAGED_IN_TRANSIT', lang: 'zh-Hans' },
  { text: '快递太暴力了，箱子都变形了，里面的杯子裂了', label: 'DAMAGED_IN_TRANSIT', lang: 'zh-Hans' },
  { text: '外包装破了，东西也摔坏了', label: 'DAMAGED_IN_TRANSIT', lang: 'zh-Hans' },
  { text: '打开箱子发现玻璃碎了一地', label: 'DAMAGED_IN_TRANSIT', lang: 'zh-Hans' },
  { text: '包裹到的时候湿透了，里面的书都泡了', label: 'DAMAGED_IN_TRANSIT', lang: 'zh-Hans' },
  { text: '運輸途中壓壞了', label: 'DAMAGED_IN_TRANSIT', lang: 'zh-Hant' },
  { text: '快遞員是用丟的吧，角都磕凹了', label: 'DAMAGED_IN_TRANSIT', lang: 'zh-Hant' },
  { text: '到貨時盒子是扁的，瓶子漏了一半', label: 'DAMAGED_IN_TRANSIT', lang: 'zh-Hant' },
  { text: 'arrived smashed', label: 'DAMAGED_IN_TRANSIT', lang: 'en' },
  { text: 'box was crushed and the lamp inside is cracked', label: 'DAMAGED_IN_TRANSIT', lang: 'en' },
  { text: 'Courier clearly dropped it, corner is dented', label: 'DAMAGED_IN_TRANSIT', lang: 'en' },
  { text: 'arrived damaged', label: 'DAMAGED_IN_TRANSIT', lang: 'en' },
  { text: 'glass shattered in shipping', label: 'DAMAGED_IN_TRANSIT', lang: 'en' },
  { text: 'package came soaking wet, the book inside is ruined', label: 'DAMAGED_IN_TRANSIT', lang: 'en' },
  { text: 'damaged during delivery', label: 'DAMAGED_IN_TRANSIT', lang: 'en' },
  { text: 'came with a huge dent, the box was destroyed', label: 'DAMAGED_IN_TRANSIT', lang: 'en' },
  { text: 'the courier left it out in the rain and the whole thing is soaked', label: 'DAMAGED_IN_TRANSIT', lang: 'en' },

  // WRONG_ITEM
  { text: '发错货了吧', label: 'WRONG_ITEM', lang: 'zh-Hans' },
  { text: '我买的是黑色42码，寄来的是白色40码', label: 'WRONG_ITEM', lang: 'zh-Hans' },
  { text: '收到的根本不是我下单的东西', label: 'WRONG_ITEM', lang: 'zh-Hans' },
  { text: '少发了一件，只收到一条裤子', label: 'WRONG_ITEM', lang: 'zh-Hans' },
  { text: '给我寄成别人的货了', label: 'WRONG_ITEM', lang: 'zh-Hans' },
  { text: '款式发错了，我要的是圆领', label: 'WRONG_ITEM', lang: 'zh-Hans' },
  { text: '漏发配件，充电器没有', label: 'WRONG_ITEM', lang: 'zh-Hans' },
  { text: '發錯型號了', label: 'WRONG_ITEM', lang: 'zh-Hant' },
  { text: '寄錯顏色了', label: 'WRONG_ITEM', lang: 'zh-Hant' },
  { text: '商品跟訂單不一致', label: 'WRONG_ITEM', lang: 'zh-Hant' },
  { text: 'sent me the wrong one', label: 'WRONG_ITEM', lang: 'en' },
  { text: "this isn't what I ordered", label: 'WRONG_ITEM', lang: 'en' },
  { text: 'got a completely different product', label: 'WRONG_ITEM', lang: 'en' },
  { text: 'I ordered the 128GB model and got the 64GB', label: 'WRONG_ITEM', lang: 'en' },
  { text: 'Wrong model sent', label: 'WRONG_ITEM', lang: 'en' },
  { text: "They shipped someone else's order", label: 'WRONG_ITEM', lang: 'en' },
  { text: 'the charger is missing from the box', label: 'WRONG_ITEM', lang: 'en' },
  { text: 'package had a phone case instead of the screen protector I ordered', label: 'WRONG_ITEM', lang: 'en' },
  { text: 'only 1 of the 2 mugs I paid for was in the parcel', label: 'WRONG_ITEM', lang: 'en' },

  // CHANGED_MIND
  { text: '拍错了', label: 'CHANGED_MIND', lang: 'zh-Hans' },
  { text: '七天无理由', label: 'CHANGED_MIND', lang: 'zh-Hans' },
  { text: '不需要了', label: 'CHANGED_MIND', lang: 'zh-Hans' },
  { text: '买重复了，家里已经有一个', label: 'CHANGED_MIND', lang: 'zh-Hans' },
  { text: '多拍了一件', label: 'CHANGED_MIND', lang: 'zh-Hans' },
  { text: '别家更便宜，退了重新买', label: 'CHANGED_MIND', lang: 'zh-Hans' },
  { text: '老婆不让买😂', label: 'CHANGED_MIND', lang: 'zh-Hans' },
  { text: '朋友送了我一个，用不上了', label: 'CHANGED_MIND', lang: 'zh-Hans' },
  { text: '暫時用不到了', label: 'CHANGED_MIND', lang: 'zh-Hant' },
  { text: '七天無理由退貨', label: 'CHANGED_MIND', lang: 'zh-Hant' },
  { text: '下錯單了', label: 'CHANGED_MIND', lang: 'zh-Hant' },
  { text: 'no longer needed', label: 'CHANGED_MIND', lang: 'en' },
  { text: 'ordered by mistake', label: 'CHANGED_MIND', lang: 'en' },
  { text: 'Changed my mind', label: 'CHANGED_MIND', lang: 'en' },
  { text: 'Accidentally ordered two', label: 'CHANGED_MIND', lang: 'en' },
  { text: 'found it cheaper elsewhere', label: 'CHANGED_MIND', lang: 'en' },
  { text: "don't need it anymore", label: 'CHANGED_MIND', lang: 'en' },
  { text: 'it was a gift and they already have one', label: 'CHANGED_MIND', lang: 'en' },
  { text: "plans changed, won't be needing it", label: 'CHANGED_MIND', lang: 'en' },

  // VAGUE
  { text: '不喜欢', label: 'VAGUE', lang: 'zh-Hans' },
  { text: '不想要了', label: 'VAGUE', lang: 'zh-Hans' },
  { text: '就是不要了', label: 'VAGUE', lang: 'zh-Hans' },
  { text: '。。。', label: 'VAGUE', lang: 'zh-Hans' },
  { text: '就是想退😒', label: 'VAGUE', lang: 'zh-Hans' },
  { text: '感觉一般般', label: 'VAGUE', lang: 'zh-Hans' },
  { text: '退', label: 'VAGUE', lang: 'zh-Hans' },
  { text: '不喜歡了', label: 'VAGUE', lang: 'zh-Hant' },
  { text: '沒什麼原因', label: 'VAGUE', lang: 'zh-Hant' },
  { text: '不太滿意', label: 'VAGUE', lang: 'zh-Hant' },
  { text: 'meh', label: 'VAGUE', lang: 'en' },
  { text: 'just because', label: 'VAGUE', lang: 'en' },
  { text: "don't like it", label: 'VAGUE', lang: 'en' },
  { text: 'no reason', label: 'VAGUE', lang: 'en' },
  { text: '.', label: 'VAGUE', lang: 'en' },
  { text: 'nah', label: 'VAGUE', lang: 'en' },
  { text: 'not for me', label: 'VAGUE', lang: 'en' },
  { text: "didn't really like it tbh", label: 'VAGUE', lang: 'en' },
  { text: 'whatever, just refund me', label: 'VAGUE', lang: 'en' },
];
