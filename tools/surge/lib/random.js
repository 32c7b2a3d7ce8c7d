'use strict';
/**
 * A small seeded pseudo-random generator (sfc32, seeded through a string hash), so that
 * `--seed S` gives the same mix of returns on every run. Not for cryptography.
 */

/** xmur3: a 32-bit string hash used to seed sfc32 with four words. */
function xmur3(text) {
  let h = 1779033703 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  return () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return (h ^= h >>> 16) >>> 0;
  };
}

class Random {
  constructor(seed) {
    const next = xmur3(String(seed));
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.float(); // warm up
  }

  /** Uniform in [0, 1). */
  float() {
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    this.d >>>= 0;
    let t = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    t = (t + this.d) | 0;
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Uniform in [min, max). */
  between(min, max) {
    return min + this.float() * (max - min);
  }

  /** Integer in [min, max], both included. */
  int(min, max) {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** true with probability p. */
  chance(p) {
    return this.float() < p;
  }

  pick(list) {
    return list[Math.floor(this.float() * list.length)];
  }

  /**
   * One of the keys of `weights` ({ value: weight }), or one item of a [value, weight][] list,
   * with probability proportional to its weight.
   */
  weighted(weights) {
    const entries = Array.isArray(weights) ? weights : Object.entries(weights);
    let total = 0;
    for (const [, w] of entries) total += w;
    let x = this.float() * total;
    for (const [value, w] of entries) {
      x -= w;
      if (x < 0) return value;
    }
    return entries[entries.length - 1][0];
  }

  /** n decimal digits, e.g. for phone numbers and transaction ids. */
  digits(n) {
    let s = '';
    for (let i = 0; i < n; i++) s += Math.floor(this.float() * 10);
    return s;
  }
}

module.exports = { Random };
