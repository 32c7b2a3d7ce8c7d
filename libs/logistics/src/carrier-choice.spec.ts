import { CARRIER_COST_CURRENCY, chooseCarrier, NoCarrierAvailableError, quoteCarriers, zoneOf } from './carrier-choice';

describe(zoneOf.name, () => {
  it.each([
    ['浙江', 'LOCAL'],
    ['浙江省', 'LOCAL'],
    ['上海市', 'LOCAL'],
    ['Jiangsu', 'LOCAL'],
    ['广东省', 'NEAR'],
    ['四川', 'NATIONAL'],
    ['西藏自治区', 'REMOTE'],
    ['新疆维吾尔自治区', 'REMOTE'],
    ['Tibet', 'REMOTE'],
    ['青海', 'REMOTE'],
    ['火星', 'NATIONAL'],
    ['', 'NATIONAL'],
  ])('puts %s in the %s zone', (province, zone) => {
    expect(zoneOf(province)).toBe(zone);
  });
});

describe(quoteCarriers.name, () => {
  it('is cheapest close to the Hangzhou warehouse and dearest in remote provinces', () => {
    const cheapest = (province: string) => quoteCarriers({ province, method: 'DROP_OFF' })[0].costMinor;
    expect(cheapest('浙江')).toBeLessThan(cheapest('广东'));
    expect(cheapest('广东')).toBeLessThan(cheapest('四川'));
    expect(cheapest('四川')).toBeLessThan(cheapest('青海'));
  });

  it('quotes every carrier for a drop-off in 江浙沪, cheapest first', () => {
    const quotes = quoteCarriers({ province: '江苏', method: 'DROP_OFF' });
    expect(quotes.map((q) => q.carrier).sort()).toEqual(['EMS', 'JD', 'SF', 'YTO', 'ZTO']);
    expect(quotes.map((q) => q.costMinor)).toEqual([...quotes.map((q) => q.costMinor)].sort((a, b) => a - b));
    expect(quotes.every((q) => q.pickup === false)).toBe(true);
  });

  it.each([['西藏'], ['新疆']])('leaves ZTO and YTO out of %s', (province) => {
    const carriers = quoteCarriers({ province, method: 'DROP_OFF' }).map((q) => q.carrier);
    expect(carriers).toContain('EMS');
    expect(carriers).not.toContain('ZTO');
    expect(carriers).not.toContain('YTO');
  });

  it('quotes a PICKUP only from carriers that collect at the door, surcharge included', () => {
    const pickup = quoteCarriers({ province: '浙江', method: 'PICKUP' });
    expect(pickup.map((q) => q.carrier).sort()).toEqual(['JD', 'SF']);
    expect(pickup.every((q) => q.pickup)).toBe(true);
    const dropOff = quoteCarriers({ province: '浙江', method: 'DROP_OFF' });
    for (const q of pickup) {
      expect(q.costMinor).toBeGreaterThan(dropOff.find((d) => d.carrier === q.carrier)!.costMinor);
    }
  });

  it('quotes whole minor units', () => {
    for (const q of quoteCarriers({ province: '四川', method: 'PICKUP' })) expect(Number.isInteger(q.costMinor)).toBe(true);
  });
});

describe(chooseCarrier.name, () => {
  it('picks the cheapest carrier by default and breaks a price tie by speed', () => {
    // ZTO and YTO cost the same in 江浙沪; ZTO is a day faster.
    expect(chooseCarrier({ province: '浙江', method: 'DROP_OFF' }).carrier).toBe('ZTO');
  });

  it('picks the fastest carrier for speed and breaks a speed tie by price', () => {
    // SF and JD both take a day in 江浙沪; JD is cheaper.
    expect(chooseCarrier({ province: '浙江', method: 'DROP_OFF', priority: 'speed' }).carrier).toBe('JD');
    expect(chooseCarrier({ province: '四川', method: 'DROP_OFF', priority: 'speed' }).carrier).toBe('SF');
  });

  it('falls back to EMS for a drop-off in a remote province ZTO and YTO do not serve', () => {
    expect(chooseCarrier({ province: '西藏自治区', method: 'DROP_OFF' }).carrier).toBe('EMS');
  });

  it('still uses the cheap carriers in 青海, which they serve', () => {
    expect(chooseCarrier({ province: '青海', method: 'DROP_OFF' }).carrier).toBe('ZTO');
  });

  it('books a PICKUP only with a carrier that picks up, even in a remote province', () => {
    for (const province of ['浙江', '四川', '新疆', '西藏']) {
      const q = chooseCarrier({ province, method: 'PICKUP' });
      expect(['SF', 'JD']).toContain(q.carrier);
      expect(q.pickup).toBe(true);
    }
  });

  it('quotes every cost in CNY fen, whatever the method', () => {
    for (const method of ['DROP_OFF', 'PICKUP'] as const) {
      const quotes = quoteCarriers({ province: '四川', method });
      expect(quotes.length).toBeGreaterThan(0);
      expect(quotes.every((q) => q.currency === CARRIER_COST_CURRENCY)).toBe(true);
    }
    expect(CARRIER_COST_CURRENCY).toBe('CNY');
  });

  it('treats an unknown province as the national zone', () => {
    expect(chooseCarrier({ province: 'Atlantis', method: 'DROP_OFF' })).toEqual(
      chooseCarrier({ province: '四川', method: 'DROP_OFF' }),
    );
  });

  it('has a typed error for when no carrier serves a request', () => {
    const e = new NoCarrierAvailableError('X', 'PICKUP');
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('NO_CARRIER_AVAILABLE');
  });
});
