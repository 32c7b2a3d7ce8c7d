#!/usr/bin/env node
'use strict';
// Summarises a V8 .cpuprofile (from BENCH_PROFILE=1): self time by function and by package,
// so the heavy parts of a hot path can be read without a browser.
//   node bench/profile-summary.js bench/results/logs/<run>/api.cpuprofile [top] [--busiest <seconds>] [--after <seconds>]
// --busiest 4: only the 4 s in which the process was busiest, without idle time, so the shares
// are of the work done then; --after 10: that window begins at least 10 s into the profile
// (past start-up, which is busy too).
const fs = require('node:fs');

const args = process.argv.slice(2);
const busiestAt = args.indexOf('--busiest');
const windowUs = busiestAt >= 0 ? Number(args.splice(busiestAt, 2)[1]) * 1e6 : 0;
const afterAt = args.indexOf('--after');
const afterUs = afterAt >= 0 ? Number(args.splice(afterAt, 2)[1]) * 1e6 : 0;
const [file, topArg] = args;
if (!file) {
  console.error('usage: node bench/profile-summary.js <file.cpuprofile> [top] [--busiest <seconds>]');
  process.exit(2);
}
const top = Number(topArg) || 40;
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = profile.timeDeltas;
const idle = (i) => byId.get(profile.samples[i]).callFrame.functionName === '(idle)';
let [from, to] = [0, profile.samples.length];
if (windowUs) {
  // Two pointers over the samples: the window of windowUs with the most busy time.
  let best = -1;
  let busy = 0;
  let span = 0;
  let first = 0;
  for (let t = 0; first < profile.samples.length && t < afterUs; first++) t += dt[first] ?? 0;
  for (let start = first, end = first; end < profile.samples.length; end++) {
    span += dt[end] ?? 0;
    if (!idle(end)) busy += dt[end] ?? 0;
    for (; span > windowUs; start++) {
      span -= dt[start] ?? 0;
      if (!idle(start)) busy -= dt[start] ?? 0;
    }
    if (busy > best) [best, from, to] = [busy, start, end + 1];
  }
}
for (let i = from; i < to; i++) {
  if (windowUs && idle(i)) continue;
  self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (dt[i] ?? 0));
}

const total = [...self.values()].reduce((a, b) => a + b, 0);
const byFunction = new Map();
const byPackage = new Map();
for (const [id, us] of self) {
  const { callFrame: f } = byId.get(id);
  const where = f.url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where)?.[1] ?? (where.startsWith('node:') || !where ? `(node) ${f.functionName || where}`.slice(0, 40) : '(service)');
  const key = `${f.functionName || '(anonymous)'} ${where.replace(/.*node_modules\//, '')}:${f.lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
}
const show = (title, map) => {
  console.log(`\n${title}`);
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
};
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
show('self time by package', byPackage);
show('self time by function', byFunction);

// Inclusive time of the service's own functions (everything they called, counted once per stack).
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const inclusive = new Map();
for (const [id, us] of self) {
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const { callFrame: f } = byId.get(at);
    if (/node_modules|^node:|^$/.test(f.url) || !f.url.includes('/')) continue;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/.*\/(apps|libs)\//, '$1/')}:${f.lineNumber + 1}`;
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + us);
  }
}
show('inclusive time of the service\'s functions', inclusive);
