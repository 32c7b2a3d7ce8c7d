import { ReturnMethod } from '@returns/contracts';

export type CarrierCode = 'SF' | 'JD' | 'ZTO' | 'YTO' | 'EMS';

/**
 * The currency of every carrier cost: the rate card below, and what the carriers (or their
 * aggregator) charge for a booking made at its quote, are in CNY fen whatever the order's
 * currency. We keep no exchange rates, so a cost is never converted.
 */
export const CARRIER_COST_CURRENCY = 'CNY';

export interface CarrierQuote {
  carrier: CarrierCode;
  /** minor units of `currency` (CNY fen), pickup surcharge included */
  costMinor: number;
  /** ISO currency of `costMinor`: always `CARRIER_COST_CURRENCY` */
  currency: string;
  etaDays: number;
  /** true when the carrier collects at the customer's door */
  pickup: boolean;
}

/**
 * Distance zones from the returns warehouse in 浙江 杭州: LOCAL is 江浙沪, NEAR the
 * neighbouring east and central provinces, REMOTE the far west, NATIONAL the rest
 * (and any province we do not recognise).
 */
export type Zone = 'LOCAL' | 'NEAR' | 'NATIONAL' | 'REMOTE';

const ZONE_PROVINCES: Record<Exclude<Zone, 'NATIONAL'>, readonly string[]> = {
  LOCAL: ['浙江', '江苏', '上海'],
  NEAR: ['安徽', '福建', '江西', '山东', '湖北', '湖南', '河南', '广东', '北京', '天津'],
  REMOTE: ['西藏', '新疆', '青海'],
};

/** Pinyin and English spellings of the provinces the table names. */
const LATIN_NAMES: Record<string, string> = {
  zhejiang: '浙江',
  jiangsu: '江苏',
  shanghai: '上海',
  anhui: '安徽',
  fujian: '福建',
  jiangxi: '江西',
  shandong: '山东',
  hubei: '湖北',
  hunan: '湖南',
  henan: '河南',
  guangdong: '广东',
  beijing: '北京',
  tianjin: '天津',
  xizang: '西藏',
  tibet: '西藏',
  xinjiang: '新疆',
  qinghai: '青海',
};

interface CarrierTerms {
  carrier: CarrierCode;
  /** base cost by zone, minor units of CARRIER_COST_CURRENCY; a zone left out is not served */
  cost: Partial<Record<Zone, number>>;
  etaDays: Record<Zone, number>;
  /** provinces the carrier does not serve at all */
  excludes: readonly string[];
  /** door-pickup surcharge in minor units of CARRIER_COST_CURRENCY; null when the carrier only takes drop-offs */
  pickupSurchargeMinor: number | null;
}

/** A small static rate card; replace with live quotes behind an interface when one exists. */
export const CARRIER_TERMS: readonly CarrierTerms[] = [
  {
    carrier: 'SF',
    cost: { LOCAL: 1200, NEAR: 1800, NATIONAL: 2300, REMOTE: 3500 },
    etaDays: { LOCAL: 1, NEAR: 2, NATIONAL: 2, REMOTE: 4 },
    excludes: [],
    pickupSurchargeMinor: 500,
  },
  {
    carrier: 'JD',
    cost: { LOCAL: 1100, NEAR: 1700, NATIONAL: 2200, REMOTE: 3300 },
    etaDays: { LOCAL: 1, NEAR: 2, NATIONAL: 3, REMOTE: 5 },
    excludes: [],
    pickupSurchargeMinor: 400,
  },
  {
    carrier: 'ZTO',
    cost: { LOCAL: 600, NEAR: 800, NATIONAL: 1000, REMOTE: 1800 },
    etaDays: { LOCAL: 2, NEAR: 3, NATIONAL: 4, REMOTE: 6 },
    excludes: ['西藏', '新疆'],
    pickupSurchargeMinor: null,
  },
  {
    carrier: 'YTO',
    cost: { LOCAL: 600, NEAR: 800, NATIONAL: 1100, REMOTE: 1900 },
    etaDays: { LOCAL: 3, NEAR: 3, NATIONAL: 4, REMOTE: 6 },
    excludes: ['西藏', '新疆'],
    pickupSurchargeMinor: null,
  },
  {
    carrier: 'EMS',
    cost: { LOCAL: 900, NEAR: 1200, NATIONAL: 1500, REMOTE: 2000 },
    etaDays: { LOCAL: 2, NEAR: 3, NATIONAL: 4, REMOTE: 5 },
    excludes: [],
    pickupSurchargeMinor: null,
  },
];

const ALL_PROVINCES = Object.values(ZONE_PROVINCES).flat();

/** Reduces `浙江省`, `新疆维吾尔自治区`, ` Zhejiang ` to the short name the table uses. */
export function normalizeProvince(province: string): string {
  const trimmed = province.trim();
  const latin = LATIN_NAMES[trimmed.toLowerCase().replace(/\s+(province|sheng|shi)$/, '')];
  if (latin) return latin;
  return ALL_PROVINCES.find((p) => trimmed.startsWith(p)) ?? trimmed;
}

export function zoneOf(province: string): Zone {
  const name = normalizeProvince(province);
  for (const zone of ['LOCAL', 'NEAR', 'REMOTE'] as const) if (ZONE_PROVINCES[zone].includes(name)) return zone;
  return 'NATIONAL';
}

export class NoCarrierAvailableError extends Error {
  readonly code = 'NO_CARRIER_AVAILABLE' as const;

  constructor(
    readonly province: string,
    readonly method: ReturnMethod,
  ) {
    super(`No carrier offers ${method} from ${province}.`);
    this.name = 'NoCarrierAvailableError';
  }
}

/**
 * Every carrier that can carry a return from `province` by `method`, cheapest
 * first (then fastest). A PICKUP is quoted only by carriers that collect at the
 * door, surcharge included.
 */
export function quoteCarriers(input: { province: string; method: ReturnMethod }): CarrierQuote[] {
  const province = normalizeProvince(input.province);
  const zone = zoneOf(province);
  const pickup = input.method === 'PICKUP';
  const quotes: CarrierQuote[] = [];
  for (const terms of CARRIER_TERMS) {
    const base = terms.cost[zone];
    if (base === undefined || terms.excludes.includes(province)) continue;
    if (pickup && terms.pickupSurchargeMinor === null) continue;
    quotes.push({
      carrier: terms.carrier,
      costMinor: base + (pickup ? (terms.pickupSurchargeMinor ?? 0) : 0),
      currency: CARRIER_COST_CURRENCY,
      etaDays: terms.etaDays[zone],
      pickup,
    });
  }
  return quotes.sort(byCost);
}

function byCost(a: CarrierQuote, b: CarrierQuote): number {
  return a.costMinor - b.costMinor || a.etaDays - b.etaDays;
}

function bySpeed(a: CarrierQuote, b: CarrierQuote): number {
  return a.etaDays - b.etaDays || a.costMinor - b.costMinor;
}

/**
 * The carrier to book: cheapest by default (ties go to the faster), fastest for
 * `priority: 'speed'` (ties go to the cheaper); remaining ties keep the table order.
 * Throws `NoCarrierAvailableError` when nobody serves the request.
 */
export function chooseCarrier(input: { province: string; method: ReturnMethod; priority?: 'cost' | 'speed' }): CarrierQuote {
  const quotes = quoteCarriers(input);
  if (quotes.length === 0) throw new NoCarrierAvailableError(input.province, input.method);
  return [...quotes].sort(input.priority === 'speed' ? bySpeed : byCost)[0];
}
