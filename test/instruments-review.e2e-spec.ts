/**
 * The measuring instruments of issue 4 (`npm run surge`, `npm run bench`): checks that must be
 * able to fail, and figures that must say what happened. Pure functions of the plain CommonJS
 * tools, required directly: no service, database or Redis needed.
 */
/* eslint-disable @typescript-eslint/no-var-requires */
const surge = require('../tools/surge/surge.js');
const { verifyWithApi } = require('../tools/surge/lib/verify.js');
const { Progress } = require('../tools/surge/lib/progress.js');

/** A run that went well in every respect: PASS. Each test spoils one thing. */
function goodRun(over: { verify?: object; send?: object; config?: object; drain?: object } = {}) {
  return {
    config: { durationMs: null, ...over.config },
    drain: { seconds: 3, timedOut: false, ...over.drain },
    send: { planned: 10, accepted: 10, abandoned: 0, notSent: 0, ...over.send },
    verify: {
      mode: 'database',
      accepted: 10,
      found: 10,
      lost: 0,
      doubled: 0,
      unconfirmed: 0,
      matching: 10,
      mismatched: 0,
      settled: true,
      stillMoving: 0,
      stageRecords: { awaitingShipmentWithoutShipment: 0, refundedWithoutSucceededRefund: 0, shipments: 6, refunds: 2 },
      ...over.verify,
    },
  };
}

describe('surge verdict', () => {
  it('passes a run with nothing wrong', () => {
    expect(surge.verdictOf(goodRun()).status).toBe('PASS');
  });

  it('does not pass a REFUNDED case without a succeeded refund, or AWAITING_SHIPMENT without a shipment (README: "It also checks ...")', () => {
    const refunds = goodRun({ verify: { stageRecords: { awaitingShipmentWithoutShipment: 0, refundedWithoutSucceededRefund: 2, shipments: 6, refunds: 2 } } });
    expect(surge.verdictOf(refunds).status).toBe('WARN');
    const shipments = goodRun({ verify: { stageRecords: { awaitingShipmentWithoutShipment: 1, refundedWithoutSucceededRefund: 0, shipments: 5, refunds: 2 } } });
    expect(surge.verdictOf(shipments).status).toBe('WARN');
  });

  it('does not pass a --returns run that stopped sending at the time limit with returns never sent', () => {
    const r = goodRun({ send: { planned: 10, accepted: 6, notSent: 4 }, verify: { accepted: 6, found: 6, matching: 6 } });
    expect(surge.verdictOf(r).status).toBe('WARN');
    expect(surge.verdictOf(r).line).toMatch(/4 .*never sent/);
  });

  it('still passes a --duration run whose rate x duration was not all sent (they were never requests)', () => {
    const r = goodRun({ config: { durationMs: 10_000 }, send: { planned: 10, accepted: 6, notSent: 4 }, verify: { accepted: 6, found: 6, matching: 6 } });
    expect(surge.verdictOf(r).status).toBe('PASS');
  });
});

describe('surge sending', () => {
  /** Sends `plan` through sendReturns with a client that answers every POST with `answer`. */
  async function send(answer: object, count = 3) {
    const plan = {
      returns: Array.from({ length: count }, (_, n) => ({ n, key: `surge-t-${n}`, order: { orderId: `sg-t-${n}` } })),
      orders: [],
    };
    const state = surge.newSendState(plan, 4);
    const client = { request: async () => ({ ms: 1, headers: {}, ...answer }) };
    const sampler = { begin() {}, lastAcceptedRate: null, lastP99: null, backlogText: () => '' };
    const quiet = { write() {}, isTTY: false };
    await surge.sendReturns({
      client,
      opts: { rate: 1000, concurrency: 4, profile: 'flat', durationMs: null, keys: { portal: 'k' } },
      plan,
      state,
      progress: new Progress({ stream: quiet }),
      timeLimitMs: 10_000,
      dayMs: 10_000,
      interrupt: { requested: false },
      sampler,
    });
    return state;
  }

  it('counts a 2xx answered without an id as a request never accepted, so the verdict cannot pass it', async () => {
    const state = await send({ status: 202, json: {} });
    expect(state.accepted).toBe(0);
    expect(state.abandoned).toBe(3);
    const r = goodRun({ send: { planned: 3, accepted: 0, abandoned: state.abandoned }, verify: { accepted: 0, found: 0, matching: 0 } });
    expect(surge.verdictOf(r).status).not.toBe('PASS');
  });

  it('counts a 202 with an id as accepted', async () => {
    let n = 0;
    const state = await send({ status: 202, get json() {
      return { id: `id-${n++}` };
    } });
    expect(state.accepted).toBe(3);
    expect(state.abandoned).toBe(0);
  });
});

describe('surge verification through the admin API (--verify api)', () => {
  const orderId = 'sg-t-0000000';
  /** One order, one return sent whose 202 never arrived (a timeout); the service holds `items` for the order. */
  async function verify(items: object[]) {
    const order = { orderId, returns: [0] };
    const plan = { orders: [order], returns: [{ n: 0, key: 'surge-t-0', order, expect: { status: 'AWAITING_SHIPMENT', codes: [] } }] };
    const sent = [{ acceptedId: null, attempted: true, conflictingIds: [] }];
    const client = {
      request: async (_method: string, path: string) => {
        if (path.startsWith('v1/returns?orderId=')) return { status: 200, json: { items } };
        return { status: 404, json: null };
      },
    };
    return verifyWithApi({ client, token: 'k', plan, sent, settleTimeoutMs: 0, concurrency: 2 });
  }

  it('finds a return that landed although its 202 never arrived: unconfirmed, not doubled', async () => {
    const v = await verify([{ id: 'A', orderId, status: 'AWAITING_SHIPMENT' }]);
    expect(v.unconfirmed).toBe(1);
    expect(v.doubled).toBe(0);
    expect(v.lost).toBe(0);
  });

  it('counts a request answered 202 but still waiting, never judged, as lost (as --verify db does), though the order list shows it', async () => {
    const order = { orderId, returns: [0] };
    const plan = { orders: [order], returns: [{ n: 0, key: 'surge-t-0', order, expect: { status: 'AWAITING_SHIPMENT', codes: [] } }] };
    const sent = [{ acceptedId: 'A', attempted: true, conflictingIds: [] }];
    const waiting = { id: 'A', orderId, status: 'REQUESTED' };
    const client = {
      request: async (_method: string, path: string) => (path.startsWith('v1/returns?orderId=') ? { status: 200, json: { items: [waiting] } } : { status: 200, json: waiting }),
    };
    const v = await verifyWithApi({ client, token: 'k', plan, sent, settleTimeoutMs: 0, concurrency: 2 });
    expect(v.lost).toBe(1);
    expect(v.neverJudged).toBe(1);
    expect(v.found).toBe(0);
  });

  it('finds two cases made of the one request of an order whose 202 never arrived: doubled', async () => {
    const v = await verify([
      { id: 'A', orderId, status: 'AWAITING_SHIPMENT' },
      { id: 'B', orderId, status: 'AWAITING_SHIPMENT' },
    ]);
    expect(v.doubled).toBeGreaterThan(0);
  });
});
