'use strict';
/** The summary on stdout, and the SVG chart: hand-written, no libraries. */
const { displayWidth } = require('./progress');

const int = (n) => (n === null || n === undefined || Number.isNaN(n) ? '-' : Math.round(n).toLocaleString('en-US'));
const num = (n, digits = 1) => (n === null || n === undefined || Number.isNaN(n) ? '-' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const ms = (n) => (n === null || n === undefined ? '-' : n < 10 ? `${n.toFixed(2)} ms` : n < 100 ? `${n.toFixed(1)} ms` : n < 10_000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(1)} s`);
const pct = (part, whole) => (whole ? `${((100 * part) / whole).toFixed(1)}%` : '-');

function seconds(s) {
  if (s === null || s === undefined) return '-';
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  const rest = s - m * 60;
  if (m < 60) return `${m}m ${rest.toFixed(0).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** Rows of cells to aligned text; numbers (right-aligned) are cells that start with a digit or '-'. */
function table(rows, { indent = '  ', align } = {}) {
  const widths = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, displayWidth(String(cell)))));
  return rows
    .map((row, r) =>
      indent +
      row
        .map((cell, i) => {
          const text = String(cell);
          const pad = ' '.repeat(widths[i] - displayWidth(text));
          const right = align ? align[i] === 'r' : r > 0 && /^[-\d]/.test(text) && i > 0;
          return right ? pad + text : text + pad;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function shares(counts, total, limit = 8) {
  return Object.entries(counts)
    .slice(0, limit)
    .map(([k, v]) => `${k} ${pct(v, total)}`)
    .join(' · ');
}

/** The report on stdout. */
function summaryText(r) {
  const out = [];
  const line = (s = '') => out.push(s);
  const total = r.plan.returns;
  line(`Double-11 surge ${r.runId} against ${r.config.url} (seed ${r.config.seed}, ${r.config.profile} profile)`);
  line('');
  line('Mix');
  line(
    table([
      ['returns', `${int(total)} on ${int(r.plan.orders)} orders (${int(r.plan.ordersWithTwoReturns)} with two returns)`],
      ['reasons', shares(r.mix.reasons, total)],
      ['categories', shares(r.mix.categories, total)],
      ['methods', shares(r.mix.methods, total)],
      ['regions', `${shares(r.mix.provinces, total, 6)} · … ${Object.keys(r.mix.provinces).length} provinces (新疆 ${pct(r.mix.provinces['新疆'] ?? 0, total)}, 西藏 ${pct(r.mix.provinces['西藏'] ?? 0, total)})`],
      ['customers', `VIP ${pct(r.mix.vip.VIP ?? 0, total)} · delivered outside the window ${pct(r.mix.window.outside ?? 0, total)} · vague text ${pct(r.mix.text.vague ?? 0, total)} · no text ${pct(r.mix.text.none ?? 0, total)}`],
      ['expected', shares(r.mix.expected, total)],
      ['policy', `${r.policy.source}${r.policy.versions.length ? ` (${r.policy.versions.join(', ')})` : ''}`],
    ], { align: ['l', 'l'] }),
  );
  line('');
  line('Load');
  const s = r.send;
  line(
    table([
      ['setup', `${int(r.setup.orders)} orders PUT in ${seconds(r.setup.seconds)} (${int(r.setup.orders / Math.max(r.setup.seconds, 1e-3))}/s), ${int(r.setup.errors)} errors${r.setup.errors ? ` (${Object.entries(r.setup.errorKinds ?? {}).map(([k, v]) => `${k} × ${int(v)}`).join(', ')}), every one retried until it succeeded` : ''}`],
      ['offered', `${int(r.config.rate)} req/s target, ${int(r.config.concurrency)} in flight at most`],
      ['accepted', `${int(s.accepted)} of ${int(s.planned)} in ${seconds(s.seconds)}: ${num(s.acceptedPerSecond)} accepted/s (peak ${int(s.peakAcceptedPerSecond)}/s)`],
      ...(s.atConcurrencyLimit >= 0.5 && s.acceptedPerSecond < 0.9 * r.config.rate
        ? [['pace', `set by the service, not the target: all ${int(r.config.concurrency)} requests in flight ${pct(s.atConcurrencyLimit, 1)} of the time at p50 ${ms(s.latency.all.p50)} (raise --concurrency to offer more)`]]
        : []),
      ['requests', `${int(s.requests)} sent: ${int(s.responses[202] ?? 0)} × 202, ${int(s.tooMany)} × 429 INTAKE_BACKLOG (retried after Retry-After, same key), ${int(s.errors)} errors, ${int(s.retries)} retries`],
      ...(s.abandoned ? [['abandoned', `${int(s.abandoned)} never accepted (${s.abandonReason})`]] : []),
      ...(Object.keys(s.errorKinds).length ? [['errors', Object.entries(s.errorKinds).map(([k, v]) => `${k} × ${v}`).join(', ')]] : []),
    ], { align: ['l', 'l'] }),
  );
  line('');
  line('Latency');
  line(
    table([
      ['', 'count', 'p50', 'p95', 'p99', 'max'],
      ['202 Accepted', int(s.latency.accepted.count), ms(s.latency.accepted.p50), ms(s.latency.accepted.p95), ms(s.latency.accepted.p99), ms(s.latency.accepted.max)],
      ['every answer', int(s.latency.all.count), ms(s.latency.all.p50), ms(s.latency.all.p95), ms(s.latency.all.p99), ms(s.latency.all.max)],
      ['accept incl. retries', int(s.latency.endToEnd.count), ms(s.latency.endToEnd.p50), ms(s.latency.endToEnd.p95), ms(s.latency.endToEnd.p99), ms(s.latency.endToEnd.max)],
    ]),
  );
  line('');
  line(`Backlog per queue (waiting + prioritized + active + delayed), from ${r.queues.source}`);
  if (r.queues.available) {
    const rows = [['queue', 'peak', 'at', 'at last 202', 'completed', 'failed (end)']];
    for (const q of r.queues.shown) {
      const p = r.queues.peaks[q];
      rows.push([q, int(p.backlog), seconds(p.t), int(p.atLastAccepted), int(p.completed), int(p.failedEnd)]);
    }
    line(table(rows));
  } else line(`  not sampled: ${r.queues.error}`);
  line('');
  line('Drain');
  const d = r.drain;
  if (d.seconds !== null) line(`  last 202 at ${seconds(d.lastAcceptedT)} → ${d.queues.join(', ')} empty at ${seconds(d.emptyT)}: drain time ${seconds(d.seconds)}`);
  else line(`  ${d.note}`);
  line('');
  line(`Verify (${r.verify.mode})`);
  const v = r.verify;
  if (v.error) line(`  could not verify: ${v.error}`);
  else {
    line(
      table([
        ['accepted', int(v.accepted), 'returns answered 202'],
        ['found', int(v.found), v.mode === 'api' ? 'cases the API shows under the id of their 202' : 'cases in the database with the id of their 202'],
        ['lost', int(v.lost), v.neverJudged ? `${int(v.neverJudged)} buffered but never judged` : 'accepted but no case'],
        ['doubled', int(v.doubled), 'a second case for a key or an order'],
        ['unconfirmed', int(v.unconfirmed), 'no 202 seen, but the request landed (fine)'],
        ['settled', v.settled ? 'yes' : `no (${int(v.stillMoving)} still moving)`, `waited ${seconds(v.settleWaitMs / 1000)}`],
      ], { align: ['l', 'r', 'l'] }),
    );
    line('');
    const statuses = [...new Set([...Object.keys(v.statusCounts), ...Object.keys(v.matrix)])];
    const rows = [['state', 'expected', 'actual', 'as expected']];
    for (const st of statuses) {
      const expected = Object.values(v.matrix[st] ?? {}).reduce((a, b) => a + b, 0);
      const ok = Object.entries(v.matrix[st] ?? {}).filter(([actual]) => actual === st || (st === 'REFUNDED' && actual === 'COMPLETED')).reduce((a, [, b]) => a + b, 0);
      rows.push([st, int(expected), int(v.statusCounts[st] ?? 0), expected ? `${int(ok)} (${pct(ok, expected)})` : '-']);
    }
    line(table(rows));
    if (v.stageRecords) {
      line(`  stage records: ${int(v.stageRecords.shipments)} shipments, ${int(v.stageRecords.refunds)} refunds; AWAITING_SHIPMENT without a shipment ${int(v.stageRecords.awaitingShipmentWithoutShipment)}, REFUNDED without a succeeded refund ${int(v.stageRecords.refundedWithoutSucceededRefund)}`);
    }
    for (const m of v.mismatchedExamples.slice(0, 5)) line(`  not as expected: ${m.id} expected ${m.expected}${m.expectedCodes.length ? ` (${m.expectedCodes.join(',')})` : ''}, is ${m.actual}${m.codes?.length ? ` (${m.codes.join(',')})` : ''}`);
    for (const m of v.lostExamples.slice(0, 5)) line(`  lost: ${m.id} (${m.key}, order ${m.orderId})`);
    for (const m of v.doubledExamples.slice(0, 5)) line(`  doubled: ${m.kind}: ${JSON.stringify(m)}`);
  }
  line('');
  const c = r.capacity;
  line(`Capacity plan: ${int(c.planReturns)} returns drained within ${seconds(c.targetSeconds)}; measured with ${c.workersSource}`);
  if (c.stages.length) {
    const rows = [['stage', 'jobs/return', 'measured jobs/s', 'processes', 'per process', 'basis', 'needed jobs/s', 'processes needed']];
    for (const st of c.stages) {
      rows.push([
        st.stage,
        num(st.jobsPerReturn, 2),
        num(st.measuredRate),
        int(st.workerProcesses),
        num(st.perProcessRate),
        st.basis,
        num(st.neededRate),
        st.processesNeeded === null ? '-' : st.lowerBound ? `≤ ${st.processesNeeded}` : String(st.processesNeeded),
      ]);
    }
    line(table(rows));
    line('  arithmetic:');
    for (const st of c.stages) {
      if (!st.perProcessRate) {
        line(`    ${st.stage}: nothing completed, no rate to plan with`);
        continue;
      }
      line(
        `    ${st.stage}: ${int(c.planReturns)} returns × ${num(st.jobsPerReturn, 3)} jobs/return = ${int(st.planJobs)} jobs; ÷ ${int(c.targetSeconds)} s = ${num(st.neededRate)} jobs/s; ÷ ${num(st.perProcessRate)} jobs/s per process (${num(st.measuredRate)} ÷ ${st.workerProcesses}) = ${num(st.neededRate / st.perProcessRate, 2)} → ${st.lowerBound ? 'at most ' : ''}${st.processesNeeded} process${st.processesNeeded === 1 ? '' : 'es'}`,
      );
    }
    line('    Processes serve one stage each (WORKER_QUEUES=<stage>); they add up until Redis or PostgreSQL is the limit.');
  }
  line('');
  line(r.verdict.line);
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------
// SVG

const COLORS = { intake: '#d62728', logistics: '#1f77b4', refund: '#2ca02c', notification: '#ff7f0e', inspection: '#9467bd', webhooks: '#8c564b', timers: '#7f7f7f' };

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function ticks(max, n = 5) {
  return Array.from({ length: n + 1 }, (_, i) => (max * i) / n);
}

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function shortNum(v) {
  if (v >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(1)}`;
}

/** Backlog per queue over time (top) and accepted/s with 429/s (bottom), one shared time axis. */
function renderSvg(r) {
  const W = 1000;
  const H = 640;
  const left = 70;
  const right = 150;
  const plotW = W - left - right;
  const top1 = 60;
  const h1 = 330;
  const top2 = top1 + h1 + 60;
  const h2 = 140;
  const series = r.series;
  const tMax = niceMax(Math.max(1, ...series.map((s) => s.t)));
  const x = (t) => left + (t / tMax) * plotW;
  const queues = r.queues.shown;
  const backlogMax = niceMax(Math.max(1, ...series.flatMap((s) => queues.map((q) => s.backlog?.[q] ?? 0))));
  const y1 = (v) => top1 + h1 - (v / backlogMax) * h1;
  const rateMax = niceMax(Math.max(1, r.config.rate, ...series.map((s) => Math.max(s.acceptedRate ?? 0, s.tooManyRate ?? 0))));
  const y2 = (v) => top2 + h2 - (v / rateMax) * h2;
  const parts = [];
  const add = (s) => parts.push(s);
  add(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  add(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  add(`<text x="${left}" y="24" font-size="16" font-weight="bold">Double-11 surge ${esc(r.runId)}: ${int(r.send.accepted)} returns accepted at ${num(r.send.acceptedPerSecond)}/s, drain ${esc(seconds(r.drain.seconds))}</text>`);
  add(`<text x="${left}" y="42" fill="#555">${esc(r.config.url)} · target ${int(r.config.rate)} req/s · ${esc(r.verdict.short)}</text>`);

  // Grids and axes
  for (const [top, h, max, label] of [
    [top1, h1, backlogMax, 'jobs waiting, active or delayed'],
    [top2, h2, rateMax, 'requests / s'],
  ]) {
    for (const v of ticks(max, top === top1 ? 5 : 2)) {
      const yy = top + h - (v / max) * h;
      add(`<line x1="${left}" x2="${left + plotW}" y1="${yy.toFixed(1)}" y2="${yy.toFixed(1)}" stroke="#e5e5e5"/>`);
      add(`<text x="${left - 8}" y="${(yy + 4).toFixed(1)}" text-anchor="end" fill="#555">${shortNum(v)}</text>`);
    }
    add(`<text transform="translate(16 ${top + h / 2}) rotate(-90)" text-anchor="middle" fill="#333">${esc(label)}</text>`);
    add(`<rect x="${left}" y="${top}" width="${plotW}" height="${h}" fill="none" stroke="#999"/>`);
  }
  for (const t of ticks(tMax, 10)) {
    add(`<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${top1}" y2="${top2 + h2}" stroke="#f0f0f0"/>`);
    add(`<text x="${x(t).toFixed(1)}" y="${top2 + h2 + 16}" text-anchor="middle" fill="#555">${shortNum(t)}</text>`);
  }
  add(`<text x="${left + plotW / 2}" y="${top2 + h2 + 36}" text-anchor="middle" fill="#333">seconds since the first return was sent</text>`);

  // Markers: the last 202 and the moment the stage queues were empty
  const marks = [];
  if (r.drain.lastAcceptedT !== null) marks.push([r.drain.lastAcceptedT, 'last 202']);
  if (r.drain.emptyT !== null) marks.push([r.drain.emptyT, 'drained']);
  marks.forEach(([t, label], i) => {
    add(`<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${top1}" y2="${top2 + h2}" stroke="#333" stroke-dasharray="4 4"/>`);
    // Labels on their own rows; near the right edge, to the left of their line.
    const atRight = x(t) > left + plotW - 130;
    add(`<text x="${(x(t) + (atRight ? -4 : 4)).toFixed(1)}" y="${top1 + 14 + i * 16}" text-anchor="${atRight ? 'end' : 'start'}" fill="#333">${esc(label)} ${esc(seconds(t))}</text>`);
  });

  // Backlog lines
  queues.forEach((q, i) => {
    const pts = series.filter((s) => s.backlog).map((s) => `${x(s.t).toFixed(1)},${y1(s.backlog[q] ?? 0).toFixed(1)}`);
    if (pts.length) add(`<polyline fill="none" stroke="${COLORS[q] ?? '#000'}" stroke-width="2" points="${pts.join(' ')}"/>`);
    const ly = top1 + 20 + i * 20;
    add(`<line x1="${left + plotW + 14}" x2="${left + plotW + 34}" y1="${ly}" y2="${ly}" stroke="${COLORS[q] ?? '#000'}" stroke-width="3"/>`);
    add(`<text x="${left + plotW + 40}" y="${ly + 4}">${esc(q)}</text>`);
  });

  // Accepted/s as an area, 429/s as a line
  const rated = series.filter((s) => s.acceptedRate !== undefined);
  if (rated.length) {
    const area = [`${x(rated[0].t).toFixed(1)},${y2(0)}`, ...rated.map((s) => `${x(s.t).toFixed(1)},${y2(s.acceptedRate).toFixed(1)}`), `${x(rated[rated.length - 1].t).toFixed(1)},${y2(0)}`];
    add(`<polygon fill="#1f77b4" fill-opacity="0.25" stroke="#1f77b4" stroke-width="1.5" points="${area.join(' ')}"/>`);
    if (rated.some((s) => s.tooManyRate > 0)) add(`<polyline fill="none" stroke="#d62728" stroke-width="1.5" points="${rated.map((s) => `${x(s.t).toFixed(1)},${y2(s.tooManyRate).toFixed(1)}`).join(' ')}"/>`);
  }
  // The target rate (flat profile: a line; day profile: its evening peak)
  add(`<line x1="${left}" x2="${left + plotW}" y1="${y2(r.config.rate).toFixed(1)}" y2="${y2(r.config.rate).toFixed(1)}" stroke="#1f77b4" stroke-dasharray="6 3"/>`);
  const ly = top2 + 20;
  add(`<line x1="${left + plotW + 14}" x2="${left + plotW + 34}" y1="${ly + 40}" y2="${ly + 40}" stroke="#1f77b4" stroke-dasharray="6 3"/>`);
  add(`<text x="${left + plotW + 40}" y="${ly + 44}">target ${int(r.config.rate)}/s${r.config.profile === 'day' ? ' (peak)' : ''}</text>`);
  add(`<rect x="${left + plotW + 14}" y="${ly - 6}" width="20" height="10" fill="#1f77b4" fill-opacity="0.35" stroke="#1f77b4"/>`);
  add(`<text x="${left + plotW + 40}" y="${ly + 4}">accepted / s</text>`);
  add(`<line x1="${left + plotW + 14}" x2="${left + plotW + 34}" y1="${ly + 20}" y2="${ly + 20}" stroke="#d62728" stroke-width="2"/>`);
  add(`<text x="${left + plotW + 40}" y="${ly + 24}">429 / s</text>`);
  add('</svg>');
  return `${parts.join('\n')}\n`;
}

module.exports = { summaryText, renderSvg, seconds, int, num, ms, pct, table };
