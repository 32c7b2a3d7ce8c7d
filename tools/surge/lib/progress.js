'use strict';
/**
 * One line of progress on stderr: redrawn in place on a terminal, a plain line every few
 * seconds otherwise (CI logs, pipes), so stdout keeps only the report.
 */
class Progress {
  constructor({ stream = process.stderr, plainEveryMs = 5_000, width = 24 } = {}) {
    this.stream = stream;
    this.tty = Boolean(stream.isTTY);
    this.plainEveryMs = plainEveryMs;
    this.width = width;
    this.lastPlain = 0;
    this.drawn = false;
  }

  /** @param fraction 0..1, or null when the end is unknown */
  update(label, fraction, text, { force = false } = {}) {
    const bar = fraction === null ? '' : `${this.bar(fraction)} ${(fraction * 100).toFixed(0).padStart(3)}% `;
    const line = `${label.padEnd(7)} ${bar}${text}`;
    if (this.tty) {
      const columns = this.stream.columns || 120;
      this.stream.write(`\r${clip(line, columns - 1)}\x1b[K`);
      this.drawn = true;
    } else if (force || Date.now() - this.lastPlain >= this.plainEveryMs) {
      this.lastPlain = Date.now();
      this.stream.write(`${line}\n`);
    }
  }

  bar(fraction) {
    const f = Math.max(0, Math.min(1, fraction));
    const full = Math.floor(f * this.width);
    const part = f * this.width - full;
    const partial = full < this.width ? ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'][Math.floor(part * 8)] : '';
    return `[${'█'.repeat(full)}${partial}${' '.repeat(Math.max(0, this.width - full - (partial ? 1 : 0)))}]`;
  }

  /** Ends the current line (terminal) so the next output starts clean. */
  done(finalText) {
    if (this.tty && this.drawn) this.stream.write('\n');
    this.drawn = false;
    if (finalText) this.stream.write(`${finalText}\n`);
  }

  log(text) {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[K');
    this.stream.write(`${text}\n`);
  }
}

/** Cuts a line to n display columns (CJK characters take two). */
function clip(text, n) {
  let width = 0;
  let out = '';
  for (const ch of text) {
    width += displayWidth(ch);
    if (width > n) break;
    out += ch;
  }
  return out;
}

function displayWidth(text) {
  let w = 0;
  for (const ch of String(text)) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return w;
}

module.exports = { Progress, displayWidth };
