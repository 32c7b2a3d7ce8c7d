'use strict';
/**
 * The Double-11 mix: who returns what, why, from where and how; the order snapshots that
 * upstream PUTs first; the return requests; and, for each request, the state the service's
 * default policy should bring it to (so the final check can say "expected").
 *
 * Everything is drawn from one seeded generator in a fixed order, so `--seed S` gives the
 * same mix every run. Ids carry the run id, so runs never collide in one database.
 * Requests are kept as compact records; their JSON bodies are built when sent.
 */
const { createHash } = require('node:crypto');
const { Random } = require('./random');

const DAY_MS = 24 * 3_600_000;

// ---------------------------------------------------------------------------------------
// Weights (percent). Reasons as a real Double-11 after-sales desk sees them.

const REASON_WEIGHTS = {
  SIZE_FIT: 35,
  CHANGED_MIND: 20,
  COLOR_MISMATCH: 12,
  QUALITY_DEFECT: 12,
  NOT_AS_DESCRIBED: 8,
  DAMAGED_IN_TRANSIT: 6,
  WRONG_ITEM: 4,
  OTHER: 3,
};

const MERCHANT_FAULT = new Set(['QUALITY_DEFECT', 'NOT_AS_DESCRIBED', 'DAMAGED_IN_TRANSIT', 'WRONG_ITEM']);

/** Share of all returns per category. */
const CATEGORY_WEIGHTS = { apparel: 45, shoes: 10, electronics: 15, home: 15, beauty: 10, fresh: 5 };

/**
 * SIZE_FIT returns are clothes and shoes; the other reasons take the rest of each
 * category's share, so the overall category mix is still CATEGORY_WEIGHTS.
 */
const SIZE_FIT_CATEGORIES = { apparel: 85, shoes: 15 };
const OTHER_REASON_CATEGORIES = (() => {
  const sizeShare = REASON_WEIGHTS.SIZE_FIT / 100;
  const out = {};
  for (const [category, w] of Object.entries(CATEGORY_WEIGHTS)) {
    out[category] = Math.max(0, w / 100 - sizeShare * ((SIZE_FIT_CATEGORIES[category] ?? 0) / 100)) / (1 - sizeShare);
  }
  return out;
})();

/** DROP_OFF 70% / PICKUP 20% of RETURN_REFUND, REFUND_ONLY (仅退款) 10%. */
const METHOD_WEIGHTS = { DROP_OFF: 70, PICKUP: 20, REFUND_ONLY: 10 };

const SHARES = {
  /** customers of tier VIP */
  vip: 0.05,
  /** orders delivered long before the request: outside every return window */
  outOfWindow: 0.03,
  /** orders from which two items are returned, in two requests */
  twoReturnsPerOrder: 0.08,
  /** orders with one more line that is kept (凑单) */
  extraLine: 0.3,
  /** requests with no reason text */
  noText: 0.05,
  /** requests whose text gives no reason at all ("不喜欢"): review-bound unless CHANGED_MIND */
  vagueText: 0.04,
  /** photos: merchant-fault claims mostly carry them, colour complaints often */
  photosMerchantFault: 0.85,
  photosColor: 0.4,
  photosOther: 0.05,
};

const CHANNEL_WEIGHTS = { app: 70, 'wechat-mini': 20, web: 10 };

// ---------------------------------------------------------------------------------------
// Catalogue: [sku, name, unit price in fen, weight]. Some electronics and a down coat
// bought twice pass the 2,000 yuan auto-approval ceiling and go to review.

const CATALOGUE = {
  apparel: [
    ['AP-TEE', '纯棉短袖T恤', 7900, 20],
    ['AP-HOODIE', '加绒连帽卫衣', 19900, 16],
    ['AP-JEANS', '直筒牛仔裤', 25900, 16],
    ['AP-DRESS', '法式碎花连衣裙', 32900, 14],
    ['AP-SWEATER', '羊毛针织衫', 45900, 12],
    ['AP-DOWN', '白鸭绒羽绒服', 109900, 12],
    ['AP-COAT', '双面羊绒大衣', 229900, 3],
    ['AP-SOCKS', '袜子五双装', 3900, 7],
  ],
  shoes: [
    ['SH-RUN', '缓震跑步鞋', 59900, 35],
    ['SH-SNEAK', '小白板鞋', 39900, 30],
    ['SH-BOOT', '马丁靴', 69900, 20],
    ['SH-SLIP', '居家棉拖鞋', 4900, 15],
  ],
  electronics: [
    ['EL-EARBUD', '真无线蓝牙耳机', 29900, 22],
    ['EL-POWER', '20000毫安充电宝', 12900, 18],
    ['EL-KEYB', '机械键盘', 39900, 14],
    ['EL-WATCH', '智能手表', 149900, 14],
    ['EL-PHONE', '5G手机 256G', 399900, 12],
    ['EL-TABLET', '11英寸平板电脑', 259900, 8],
    ['EL-ROBOT', '扫地机器人', 199900, 7],
    ['EL-CABLE', 'Type-C数据线', 2900, 5],
  ],
  home: [
    ['HO-MUG', '陶瓷马克杯', 4500, 20],
    ['HO-BEDSET', '全棉四件套', 29900, 18],
    ['HO-FRYER', '空气炸锅', 39900, 16],
    ['HO-LAMP', '护眼台灯', 12900, 14],
    ['HO-BOX', '收纳箱三件套', 5900, 14],
    ['HO-PAN', '不粘炒锅', 16900, 12],
    ['HO-SOFA', '懒人沙发', 89900, 6],
  ],
  beauty: [
    ['BE-CREAM', '修护面霜', 49900, 22],
    ['BE-LIP', '丝绒口红', 32000, 22],
    ['BE-SERUM', '精华液', 69900, 18],
    ['BE-MASK', '补水面膜10片', 12900, 22],
    ['BE-SET', '护肤礼盒', 159900, 8],
    ['BE-PERFUME', '淡香水', 89900, 8],
  ],
  fresh: [
    ['FR-CHERRY', '智利车厘子2斤', 19900, 30],
    ['FR-CRAB', '阳澄湖大闸蟹礼券', 39900, 20],
    ['FR-STEAK', '原切牛排套餐', 25900, 20],
    ['FR-FRUIT', '时令水果礼盒', 12900, 20],
    ['FR-MILK', '鲜牛奶12盒', 6900, 10],
  ],
};

/** Where the customers are: province, share of orders, and a few addresses in it. */
const REGIONS = [
  ['广东', 14, [['广州', '天河区', '510630', '天河路 385 号'], ['深圳', '南山区', '518057', '科技园南区 8 栋'], ['东莞', '南城区', '523073', '鸿福路 106 号']]],
  ['浙江', 10, [['杭州', '西湖区', '310012', '文三路 90 号'], ['宁波', '鄞州区', '315100', '天童南路 588 号'], ['温州', '鹿城区', '325000', '人民路 12 号']]],
  ['江苏', 10, [['南京', '鼓楼区', '210008', '中山路 321 号'], ['苏州', '工业园区', '215021', '星湖街 328 号'], ['无锡', '梁溪区', '214000', '人民中路 138 号']]],
  ['上海', 7, [['上海', '浦东新区', '200120', '世纪大道 100 号'], ['上海', '徐汇区', '200030', '漕溪北路 18 号']]],
  ['北京', 6, [['北京', '朝阳区', '100020', '建国路 87 号'], ['北京', '海淀区', '100080', '中关村大街 27 号']]],
  ['山东', 7, [['济南', '历下区', '250014', '泉城路 180 号'], ['青岛', '市南区', '266071', '香港中路 10 号']]],
  ['四川', 6, [['成都', '武侯区', '610041', '天府大道北段 1700 号'], ['绵阳', '涪城区', '621000', '临园路 8 号']]],
  ['河南', 5, [['郑州', '金水区', '450008', '花园路 39 号'], ['洛阳', '西工区', '471000', '中州中路 288 号']]],
  ['福建', 5, [['福州', '鼓楼区', '350001', '五四路 158 号'], ['厦门', '思明区', '361001', '中山路 2 号']]],
  ['湖北', 4, [['武汉', '洪山区', '430070', '珞喻路 1037 号']]],
  ['湖南', 4, [['长沙', '岳麓区', '410006', '麓山南路 932 号']]],
  ['安徽', 4, [['合肥', '蜀山区', '230031', '长江西路 200 号']]],
  ['河北', 4, [['石家庄', '长安区', '050011', '中山东路 39 号']]],
  ['陕西', 3, [['西安', '雁塔区', '710061', '小寨东路 91 号']]],
  ['重庆', 3, [['重庆', '渝中区', '400010', '解放碑步行街 8 号']]],
  ['辽宁', 2, [['沈阳', '和平区', '110001', '太原北街 2 号']]],
  ['天津', 2, [['天津', '和平区', '300041', '南京路 219 号']]],
  ['江西', 2, [['南昌', '东湖区', '330006', '八一大道 357 号']]],
  ['广西', 2, [['南宁', '青秀区', '530022', '民族大道 136 号']]],
  ['云南', 2, [['昆明', '五华区', '650021', '人民中路 35 号']]],
  ['黑龙江', 1.5, [['哈尔滨', '南岗区', '150001', '西大直街 92 号']]],
  ['新疆', 1, [['乌鲁木齐', '天山区', '830002', '解放北路 196 号'], ['喀什', '喀什市', '844000', '人民东路 33 号']]],
  ['西藏', 0.5, [['拉萨', '城关区', '850000', '北京中路 48 号']]],
  ['青海', 0.5, [['西宁', '城中区', '810000', '西大街 40 号']]],
];

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '高'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '洋', '艳', '勇', '军', '杰', '娟', '涛', '明', '超', '秀英', '晓燕', '子涵', '梓轩', '一诺', '欣怡', '浩然'];
const PAY_PROVIDERS = { alipay: 55, wechatpay: 35, unionpay: 10 };

/**
 * Reason texts as customers write them, Chinese (mostly simplified, some traditional).
 * Each was checked against the service's reason screening: it reads as its own reason
 * (or one of its group), so it does not by itself send the case to review.
 */
const REASON_TEXTS = {
  SIZE_FIT: ['尺码偏小，穿着勒得慌', '买大了一号，穿起来空荡荡的', '裤腰太紧了，扣子扣不上', '鞋码偏大，走路老掉跟', '袖子太长，都盖住手了', '平时穿L，这件L像M，太小', '鞋子挤脚，穿上走路脚疼', '衣服太肥了，一点都不合身', '尺碼偏大，建議拍小一碼', '裤子短了一截，露脚踝'],
  COLOR_MISMATCH: ['颜色和图片差太多，实物偏黄', '有色差，实物比图上暗很多', '颜色跟页面上不一样，太艳了', '色差严重，粉色看着发橘', '实物颜色偏深，跟照片不像', '图上是奶白色，到手是米黄色', '顏色和圖片差很多', '灯光下看是灰色的，不是图里的蓝色'],
  CHANGED_MIND: ['双十一冲动消费了，不需要了', '买多了，用不完', '家里已经有一台同款了', '凑单买的，其实用不上', '降价了，想退了重新拍', '预算超了，先退掉', '送人的礼物对方已经有了', '不想要了', '拍錯了，重新下單'],
  OTHER: ['和家人商量后决定不买了', '地址填错了，收件不方便', '发票抬头开错了，要重新下单', '活动优惠没用上，退了重拍', '其他原因'],
  QUALITY_DEFECT: ['用了三天就开不了机', '做工粗糙，线头很多还开线', '充电充不进去，指示灯不亮', '拉链坏了，怎么都拉不上', '面霜有股怪味，像是变质了', '蓝牙老是断连，还有杂音', '鞋底开胶，没穿几次', '锅底涂层一刷就掉', '屏幕有亮线，显示不正常', '水果一半都是坏的'],
  NOT_AS_DESCRIBED: ['与描述不符，标称纯棉实际是涤纶', '货不对板，跟宣传差太远', '页面写的正品，收到像高仿', '实物和图片完全是两回事', '功能跟介绍的不一样，根本没有降噪', '詳情頁寫的真皮，其實是PU', '容量和描述不符，标500ml实际只有300ml'],
  DAMAGED_IN_TRANSIT: ['快递把箱子压扁了，里面东西都变形了', '收到时外包装破了，杯子碎了', '物流太暴力，屏幕摔裂了', '包裹被雨泡湿了', '开箱发现瓶子漏了一大半', '運輸途中壓壞了', '纸箱被压塌，商品外壳凹了一块'],
  WRONG_ITEM: ['发错颜色了，我下单的是黑色', '收到的型号不对', '少发了一件，只到了一个', '发来的是别人的货', '漏发配件，充电线没有', '寄錯款式了', '商品和订单不一致'],
};

/** Texts that say nothing about the item: a case goes to review with them (but CHANGED_MIND). */
const VAGUE_TEXTS = ['不喜欢', '感觉一般', '就是想退', '不太满意', '沒什麼原因'];

// ---------------------------------------------------------------------------------------
// The policy the expectations are computed with: the service's own (GET /v1/policies)
// when it answers, else the contract's default policy.

const DEFAULT_POLICY = {
  customerReasonWindowDays: 7,
  merchantFaultWindowDays: 15,
  acceptsCustomerReasons: true,
  autoApproveCeilingMinor: 200_000,
  riskReviewThreshold: 60,
};
const DEFAULT_BOOK = {
  default: { ...DEFAULT_POLICY, category: 'default', version: 'default@contract' },
  fresh: { ...DEFAULT_POLICY, category: 'fresh', acceptsCustomerReasons: false, version: 'fresh@contract' },
  custom: { ...DEFAULT_POLICY, category: 'custom', acceptsCustomerReasons: false, version: 'custom@contract' },
  digital: { ...DEFAULT_POLICY, category: 'digital', acceptsCustomerReasons: false, version: 'digital@contract' },
  periodical: { ...DEFAULT_POLICY, category: 'periodical', acceptsCustomerReasons: false, version: 'periodical@contract' },
};

class PolicyBook {
  /** @param policies ReturnPolicy[] as GET /v1/policies lists them, or null for the contract's defaults */
  constructor(policies) {
    this.source = policies ? 'service' : 'contract defaults';
    this.byCategory = new Map();
    for (const p of policies ?? Object.values(DEFAULT_BOOK)) this.byCategory.set(String(p.category).trim().toLowerCase(), { ...DEFAULT_POLICY, ...p });
    if (!this.byCategory.has('default')) this.byCategory.set('default', DEFAULT_BOOK.default);
  }

  for(category) {
    return this.byCategory.get(String(category).trim().toLowerCase()) ?? this.byCategory.get('default');
  }

  versions() {
    return [...this.byCategory.values()].map((p) => p.version).filter(Boolean).sort();
  }
}

// ---------------------------------------------------------------------------------------

/**
 * Builds the whole plan: orders and return requests, with what each should become.
 * @returns {{ orders: object[], returns: object[] }}
 */
function buildPlan({ count, seed, runId, now, book }) {
  const rng = new Random(`surge:${seed}`);
  const orders = [];
  const returns = [];
  while (returns.length < count) {
    const o = orders.length;
    const orderId = `sg-${runId}-${String(o).padStart(7, '0')}`;
    const returnsHere = count - returns.length >= 2 && rng.chance(SHARES.twoReturnsPerOrder) ? 2 : 1;

    // What is returned, and why, decides which items the order has.
    const drafts = [];
    const usedSkus = new Set();
    for (let k = 0; k < returnsHere; k++) {
      const reasonCode = rng.weighted(REASON_WEIGHTS);
      let category = rng.weighted(reasonCode === 'SIZE_FIT' ? SIZE_FIT_CATEGORIES : OTHER_REASON_CATEGORIES);
      let product = rng.weighted(CATALOGUE[category].map((p) => [p, p[3]]));
      for (let tries = 0; usedSkus.has(product[0]) && tries < 10; tries++) {
        category = rng.weighted(OTHER_REASON_CATEGORIES);
        product = rng.weighted(CATALOGUE[category].map((p) => [p, p[3]]));
      }
      if (usedSkus.has(product[0])) product = [`${product[0]}-${k}`, product[1], product[2], product[3]];
      usedSkus.add(product[0]);
      const bought = rng.weighted([[1, 80], [2, 15], [3, 5]]);
      drafts.push({ reasonCode, category, product, bought, asked: rng.chance(0.8) ? bought : rng.int(1, bought) });
    }

    const vip = rng.chance(SHARES.vip);
    const [province, , places] = rng.weighted(REGIONS.map((r) => [r, r[1]]));
    const [city, district, postalCode, street] = rng.pick(places);
    const late = rng.chance(SHARES.outOfWindow);
    const merchantFaultOnly = drafts.every((d) => MERCHANT_FAULT.has(d.reasonCode));
    // Inside the window with a margin of at least 12 h, since judging may come minutes later.
    const deliveredDaysAgo = late ? rng.between(20, 40) : merchantFaultOnly ? rng.between(0.3, 13.5) : rng.between(0.3, 6.5);
    const deliveredAt = now - deliveredDaysAgo * DAY_MS;
    const paidAt = deliveredAt - rng.between(1, 3) * DAY_MS;
    const lines = drafts.map((d) => ({ sku: d.product[0], name: d.product[1], category: d.category, quantity: d.bought, unitPrice: d.product[2] }));
    if (rng.chance(SHARES.extraLine)) {
      const category = rng.weighted(CATEGORY_WEIGHTS);
      const extra = rng.weighted(CATALOGUE[category].map((p) => [p, p[3]]));
      if (!usedSkus.has(extra[0])) lines.push({ sku: extra[0], name: extra[1], category, quantity: 1, unitPrice: extra[2] });
    }
    const order = {
      index: o,
      orderId,
      customerId: `c-${runId}-${o}`,
      name: rng.pick(SURNAMES) + rng.pick(GIVEN),
      phone: `+861${rng.pick(['3', '5', '7', '8', '9'])}${rng.digits(9)}`,
      wechat: rng.chance(0.6),
      push: rng.chance(0.5),
      locale: rng.chance(0.95) ? 'zh-CN' : 'en',
      vip,
      province,
      city,
      district,
      postalCode,
      street,
      paidAt,
      deliveredAt,
      deliveredDaysAgo,
      late,
      payProvider: rng.weighted(PAY_PROVIDERS),
      transactionId: `${rng.digits(4)}${o}`,
      lines,
      returns: [],
    };
    orders.push(order);

    for (const d of drafts) {
      const n = returns.length;
      const merchantFault = MERCHANT_FAULT.has(d.reasonCode);
      const methodDraw = rng.weighted(METHOD_WEIGHTS);
      const textDraw = rng.float();
      let textKind = 'reason';
      let reasonText = null;
      if (textDraw < SHARES.noText) textKind = 'none';
      else if (textDraw < SHARES.noText + SHARES.vagueText) {
        textKind = 'vague';
        reasonText = rng.pick(VAGUE_TEXTS);
      } else reasonText = rng.pick(REASON_TEXTS[d.reasonCode]);
      const photoShare = merchantFault ? SHARES.photosMerchantFault : d.reasonCode === 'COLOR_MISMATCH' ? SHARES.photosColor : SHARES.photosOther;
      const photoCount = rng.chance(photoShare) ? rng.int(1, 3) : 0;
      const ret = {
        n,
        key: `surge-${runId}-${n}`,
        order,
        type: methodDraw === 'REFUND_ONLY' ? 'REFUND_ONLY' : 'RETURN_REFUND',
        method: methodDraw === 'REFUND_ONLY' ? null : methodDraw,
        reasonCode: d.reasonCode,
        reasonText,
        textKind,
        category: d.category,
        sku: d.product[0],
        quantity: d.asked,
        unitPrice: d.product[2],
        photoCount,
        channel: rng.weighted(CHANNEL_WEIGHTS),
        runId,
      };
      ret.expect = expectationOf(ret, book, now);
      order.returns.push(n);
      returns.push(ret);
    }
  }
  return { orders, returns };
}

/** `PUT /v1/orders/{orderId}` body of an order record. */
function orderBody(order) {
  return {
    merchantId: 'm-double11',
    customer: {
      id: order.customerId,
      name: order.name,
      phone: order.phone,
      email: `${order.customerId}@example.com`,
      ...(order.wechat ? { wechatOpenId: `o-${order.customerId}` } : {}),
      ...(order.push ? { pushToken: `t-${order.customerId}` } : {}),
      locale: order.locale,
      ...(order.vip ? { tier: 'VIP' } : {}),
    },
    address: { province: order.province, city: order.city, district: order.district, line: order.street, postalCode: order.postalCode },
    currency: 'CNY',
    paidAt: new Date(order.paidAt).toISOString(),
    deliveredAt: new Date(order.deliveredAt).toISOString(),
    payment: { provider: order.payProvider, transactionId: `T-${order.transactionId}` },
    items: order.lines,
  };
}

/** `POST /v1/returns` body of a return record; the same bytes on every attempt. */
function returnBody(ret) {
  const body = {
    orderId: ret.order.orderId,
    type: ret.type,
    reasonCode: ret.reasonCode,
    ...(ret.reasonText !== null ? { reasonText: ret.reasonText } : {}),
    ...(ret.method ? { returnMethod: ret.method } : {}),
    items: [{ sku: ret.sku, quantity: ret.quantity }],
    ...(ret.photoCount ? { photos: photosOf(ret) } : {}),
    channel: ret.channel,
  };
  return body;
}

/** Photos unique to this run and request: a hash seen in another customer's case would be a risk signal. */
function photosOf(ret) {
  const photos = [];
  for (let k = 0; k < ret.photoCount; k++) {
    const sha256 = createHash('sha256').update(`surge:${ret.runId}:${ret.n}:${k}`).digest('hex');
    photos.push({ url: `https://img.example.com/surge/${ret.runId}/${ret.n}-${k}.jpg`, sha256 });
  }
  return photos;
}

/**
 * The state the policy should bring a request to, and the decision codes on the way, by the
 * contract's rules (CONTRACT.md, "Default policy"), judged with `book`:
 * out of window or a customer reason on a non-returnable category: REJECTED; above the
 * auto-approval ceiling, a vague text, a merchant-fault claim without a photo, or a risk
 * score at the threshold: PENDING_REVIEW; else approved, and then REFUND_ONLY is refunded
 * (REFUNDED) and a return gets its label or pickup booked (AWAITING_SHIPMENT).
 */
function expectationOf(ret, book, now) {
  const merchantFault = MERCHANT_FAULT.has(ret.reasonCode);
  const policy = book.for(ret.category);
  const elapsedDays = (now - ret.order.deliveredAt) / DAY_MS;
  const rejections = [];
  if (elapsedDays > (merchantFault ? policy.merchantFaultWindowDays : policy.customerReasonWindowDays)) rejections.push('OUT_OF_WINDOW');
  if (!merchantFault && policy.acceptsCustomerReasons === false) rejections.push('NON_RETURNABLE');
  if (rejections.length) return { status: 'REJECTED', codes: rejections, route: rejections.includes('OUT_OF_WINDOW') ? 'out-of-window' : 'non-returnable' };

  const value = ret.unitPrice * ret.quantity;
  const reviews = [];
  if (value > policy.autoApproveCeilingMinor) reviews.push('HIGH_VALUE');
  if (ret.textKind === 'vague' && ret.reasonCode !== 'CHANGED_MIND') reviews.push('VAGUE_REASON');
  if (merchantFault && ret.photoCount === 0) reviews.push('MISSING_EVIDENCE');
  // Risk as the service scores it; a fresh customer per order has no return-rate history.
  const risk = (value > 500_000 ? 20 : value > 200_000 ? 10 : 0) + (merchantFault && ret.photoCount === 0 ? 20 : 0);
  if (risk >= policy.riskReviewThreshold) reviews.push('RISK_SIGNAL');
  if (reviews.length) return { status: 'PENDING_REVIEW', codes: reviews, route: 'review' };
  return ret.type === 'REFUND_ONLY' ? { status: 'REFUNDED', codes: [], route: 'refund-only' } : { status: 'AWAITING_SHIPMENT', codes: [], route: ret.method === 'PICKUP' ? 'pickup' : 'drop-off' };
}

/** States an expectation also accepts: a refunded case may have been completed since. */
const ALSO_ACCEPTED = { REFUNDED: ['COMPLETED'] };

function accepts(expected, actual) {
  return expected === actual || (ALSO_ACCEPTED[expected] ?? []).includes(actual);
}

/** Counts of the mix, for the report: what was asked for, by each dimension. */
function describeMix(returns) {
  const tally = (fn) => {
    const out = {};
    for (const r of returns) {
      const k = fn(r);
      out[k] = (out[k] ?? 0) + 1;
    }
    return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
  };
  return {
    reasons: tally((r) => r.reasonCode),
    categories: tally((r) => r.category),
    methods: tally((r) => (r.type === 'REFUND_ONLY' ? 'REFUND_ONLY' : r.method)),
    provinces: tally((r) => r.order.province),
    vip: tally((r) => (r.order.vip ? 'VIP' : 'regular')),
    window: tally((r) => (r.order.late ? 'outside' : 'inside')),
    text: tally((r) => r.textKind),
    photos: tally((r) => (r.photoCount ? 'with photos' : 'none')),
    expected: tally((r) => r.expect.status),
    routes: tally((r) => r.expect.route),
  };
}

module.exports = {
  buildPlan,
  orderBody,
  returnBody,
  expectationOf,
  accepts,
  describeMix,
  PolicyBook,
  MERCHANT_FAULT,
  REASON_TEXTS,
  VAGUE_TEXTS,
  REASON_WEIGHTS,
  CATEGORY_WEIGHTS,
  METHOD_WEIGHTS,
  SHARES,
};
