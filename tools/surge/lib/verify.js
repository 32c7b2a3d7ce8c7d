'use strict';
/**
 * The final check: every accepted return is a case (none lost), no idempotency key and no
 * order produced more cases than were asked for (none doubled), and each case reached the
 * state its mix should bring it to. Reads PostgreSQL directly, or the admin API where the
 * database is not reachable from here.
 */
const { accepts } = require('./mix');

/** States a case passes through on its own, within moments, when its queues are working. */
const TRANSIENT = new Set(['REQUESTED', 'APPROVED', 'REFUND_PENDING']);

/**
 * @param sent per return n: { acceptedId, attempted, conflictingIds: string[] }
 */
function judge({ plan, sent, cases, requests, mode }) {
  // cases: Map id -> { id, orderId, status, codes }; requests: Map key -> [{ id, orderId }]
  const byOrder = new Map();
  for (const c of cases.values()) {
    const list = byOrder.get(c.orderId) ?? [];
    list.push(c);
    byOrder.set(c.orderId, list);
  }
  const lost = [];
  const notJudged = [];
  const doubled = [];
  const unconfirmed = [];
  const mismatched = [];
  const matrix = {};
  const statusCounts = {};
  let accepted = 0;
  let found = 0;
  let matching = 0;

  for (const ret of plan.returns) {
    const s = sent[ret.n];
    if (!s || !s.attempted) continue;
    const reqs = requests ? requests.get(ret.key) ?? [] : null;
    if (reqs && reqs.length > 1) doubled.push({ kind: 'two requests for one Idempotency-Key', key: ret.key, ids: reqs.map((r) => r.id) });
    if (s.conflictingIds.length) doubled.push({ kind: 'one Idempotency-Key answered with two ids', key: ret.key, ids: [s.acceptedId, ...s.conflictingIds] });
    if (!s.acceptedId) {
      // Sent, never answered 202 (gave up on errors or the time limit): did it land anyway?
      const landed = reqs?.[0]?.id;
      if (landed) unconfirmed.push({ key: ret.key, id: landed, status: cases.get(landed)?.status ?? 'REQUESTED' });
      continue;
    }
    accepted++;
    const c = cases.get(s.acceptedId);
    if (!c) {
      const buffered = reqs ? reqs.some((r) => r.id === s.acceptedId) : false;
      (buffered ? notJudged : lost).push({ key: ret.key, id: s.acceptedId, orderId: ret.order.orderId });
      continue;
    }
    found++;
    statusCounts[c.status] = (statusCounts[c.status] ?? 0) + 1;
    const row = (matrix[ret.expect.status] ??= {});
    row[c.status] = (row[c.status] ?? 0) + 1;
    if (accepts(ret.expect.status, c.status)) matching++;
    else mismatched.push({ id: c.id, key: ret.key, expected: ret.expect.status, expectedCodes: ret.expect.codes, actual: c.status, codes: c.codes ?? [] });
  }

  // Orders: never more cases than requests sent for them; every case one we asked for.
  const knownIds = new Set();
  for (const s of sent) if (s?.acceptedId) knownIds.add(s.acceptedId);
  for (const u of unconfirmed) knownIds.add(u.id);
  for (const order of plan.orders) {
    const asked = order.returns.filter((n) => sent[n]?.attempted).length;
    const got = byOrder.get(order.orderId) ?? [];
    if (got.length > asked) doubled.push({ kind: 'more cases than requests on an order', orderId: order.orderId, asked, cases: got.map((c) => c.id) });
    for (const c of got) if (!knownIds.has(c.id)) doubled.push({ kind: 'a case nobody was told about', orderId: order.orderId, id: c.id });
  }

  return {
    mode,
    accepted,
    found,
    lost: lost.length + notJudged.length,
    lostExamples: [...lost, ...notJudged].slice(0, 10),
    neverJudged: notJudged.length,
    doubled: doubled.length,
    doubledExamples: doubled.slice(0, 10),
    unconfirmed: unconfirmed.length,
    unconfirmedExamples: unconfirmed.slice(0, 10),
    matching,
    mismatched: mismatched.length,
    mismatchedExamples: mismatched.slice(0, 10),
    statusCounts: sortObject(statusCounts),
    matrix,
  };
}

function sortObject(o) {
  return Object.fromEntries(Object.entries(o).sort((a, b) => b[1] - a[1]));
}

// ---------------------------------------------------------------------------------------
// PostgreSQL

async function verifyWithDatabase({ databaseUrl, runId, plan, sent, settleTimeoutMs, onWait }) {
  const { Client } = require('pg');
  const db = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  await db.connect();
  try {
    const orderPrefix = `sg-${runId}-`;
    const keyPrefix = `surge-${runId}-`;
    const acceptedCount = sent.filter((s) => s?.acceptedId).length;
    // Settle: wait while cases are still on their way (judging, booking, refunding).
    const started = Date.now();
    let last = null;
    for (;;) {
      const { rows } = await db.query(
        `SELECT count(*)::int AS cases,
                count(*) FILTER (WHERE status = ANY($2))::int AS moving
           FROM return_cases WHERE left(order_id, length($1)) = $1`,
        [orderPrefix, [...TRANSIENT]],
      );
      last = rows[0];
      if ((last.moving === 0 && last.cases >= acceptedCount) || Date.now() - started > settleTimeoutMs) break;
      // Cases missing but nothing moving: give the outbox sweep (5 s) a few rounds, then stop.
      if (last.moving === 0 && Date.now() - started > Math.min(settleTimeoutMs, 20_000)) break;
      onWait?.(last, Date.now() - started);
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const settleWaitMs = Date.now() - started;

    const requestRows = (
      await db.query(`SELECT id, idempotency_key AS key, order_id FROM return_requests WHERE left(idempotency_key, length($1)) = $1`, [keyPrefix])
    ).rows;
    const caseRows = (
      await db.query(
        `SELECT c.id, c.order_id, c.status, c.decision->'codes' AS codes,
                s.case_id IS NOT NULL AS shipped, r.status AS refund_status
           FROM return_cases c
           LEFT JOIN shipments s ON s.case_id = c.id
           LEFT JOIN refunds r ON r.case_id = c.id
          WHERE left(c.order_id, length($1)) = $1`,
        [orderPrefix],
      )
    ).rows;
    const requests = new Map();
    for (const r of requestRows) {
      const list = requests.get(r.key) ?? [];
      list.push({ id: r.id, orderId: r.order_id });
      requests.set(r.key, list);
    }
    const cases = new Map(caseRows.map((c) => [c.id, { id: c.id, orderId: c.order_id, status: c.status, codes: c.codes }]));
    const result = judge({ plan, sent, cases, requests, mode: 'database' });
    // Each stage's record where the state says the stage ran.
    result.stageRecords = {
      awaitingShipmentWithoutShipment: caseRows.filter((c) => c.status === 'AWAITING_SHIPMENT' && !c.shipped).length,
      refundedWithoutSucceededRefund: caseRows.filter((c) => c.status === 'REFUNDED' && c.refund_status !== 'SUCCEEDED').length,
      shipments: caseRows.filter((c) => c.shipped).length,
      refunds: caseRows.filter((c) => c.refund_status).length,
    };
    result.settled = last.moving === 0;
    result.stillMoving = last.moving;
    result.settleWaitMs = settleWaitMs;
    return result;
  } finally {
    await db.end().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------
// The admin API, one GET per case and one list per order

async function verifyWithApi({ client, token, plan, sent, settleTimeoutMs, concurrency, onWait }) {
  const cases = new Map();
  const fetchCase = async (id) => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const res = await client.request('GET', `v1/returns/${id}`, { token });
      if (res.status === 200 && res.json) {
        cases.set(id, { id, orderId: res.json.orderId, status: res.json.status, codes: res.json.decision?.codes ?? [], buffered: res.json.status === 'REQUESTED' && !res.json.decision });
        return;
      }
      if (res.status === 404) {
        cases.delete(id);
        return;
      }
      await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
    }
    throw new Error(`GET /v1/returns/${id} kept failing`);
  };
  const ids = sent.filter((s) => s?.acceptedId).map((s) => s.acceptedId);
  const started = Date.now();
  let pending = ids;
  for (;;) {
    await pool(pending, concurrency, fetchCase);
    pending = ids.filter((id) => TRANSIENT.has(cases.get(id)?.status));
    if (!pending.length || Date.now() - started > settleTimeoutMs) break;
    onWait?.({ cases: cases.size, moving: pending.length }, Date.now() - started);
    await new Promise((r) => setTimeout(r, 1_000));
  }
  // Buffered requests answer REQUESTED without being cases yet: not lost, not judged.
  const judged = new Map([...cases].filter(([, c]) => !c.buffered));
  const requests = new Map();
  for (const ret of plan.returns) {
    const s = sent[ret.n];
    if (s?.acceptedId && cases.get(s.acceptedId)?.buffered) requests.set(ret.key, [{ id: s.acceptedId, orderId: ret.order.orderId }]);
  }
  // Every case of each order a request was sent for (answered or not), to find any nobody
  // asked for. The API does not say which key a case came from: a case the order holds beyond
  // those answered 202 is taken as the landing of one of its requests that were never answered
  // (unconfirmed), and any more than those are cases nobody asked for (doubled).
  const acceptedIds = new Set(ids);
  const orders = plan.orders.filter((o) => o.returns.some((n) => sent[n]?.attempted));
  await pool(orders, concurrency, async (order) => {
    const res = await client.request('GET', `v1/returns?orderId=${encodeURIComponent(order.orderId)}&limit=100`, { token });
    if (res.status !== 200 || !res.json) throw new Error(`GET /v1/returns?orderId=${order.orderId} answered ${res.status}`);
    const unanswered = order.returns.filter((n) => sent[n]?.attempted && !sent[n].acceptedId).map((n) => plan.returns[n]);
    for (const item of res.json.items ?? []) {
      if (!judged.has(item.id) && !(acceptedIds.has(item.id) && cases.get(item.id)?.buffered)) {
        judged.set(item.id, { id: item.id, orderId: item.orderId, status: item.status, codes: item.decision?.codes ?? [] });
      }
      if (!acceptedIds.has(item.id) && unanswered.length) requests.set(unanswered.shift().key, [{ id: item.id, orderId: order.orderId }]);
    }
  });
  const result = judge({ plan, sent, cases: judged, requests, mode: 'api' });
  result.settled = pending.length === 0;
  result.stillMoving = pending.length;
  result.settleWaitMs = Date.now() - started;
  return result;
}

async function pool(items, concurrency, work) {
  let next = 0;
  const runners = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(runners);
}

module.exports = { verifyWithDatabase, verifyWithApi, judge, TRANSIENT };
