import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModuleKind, ScriptTarget, transpileModule } from 'typescript';
import { parseTimestamp } from './timestamp';

/**
 * `parseTimestamp` run in a Node process whose time zone is `zone`: Jest's sandbox cannot
 * change its own zone, and a test run on a UTC machine would not tell UTC from local time.
 * The helper has no imports, so its source, transpiled, runs as is.
 */
function parsedIn(zone: string, texts: string[]): string[] {
  const { outputText } = transpileModule(readFileSync(join(__dirname, 'timestamp.ts'), 'utf8'), {
    compilerOptions: { module: ModuleKind.CommonJS, target: ScriptTarget.ES2020 },
  });
  const script = `const m = { exports: {} };
    (function (exports, module) { ${outputText}\n })(m.exports, m);
    console.log(JSON.stringify(${JSON.stringify(texts)}.map((t) => m.exports.parseTimestamp(t).toISOString())));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { env: { ...process.env, TZ: zone } }).toString());
}

describe(parseTimestamp.name, () => {
  it('reads a timestamp without an offset as UTC, whatever the time zone of the process', () => {
    const texts = ['2026-11-13T08:00:00', '2026-11-13T08:00', '2026-11-13 08:00:00', '2026-11-13T08:00:00.250'];
    const utc = ['2026-11-13T08:00:00.000Z', '2026-11-13T08:00:00.000Z', '2026-11-13T08:00:00.000Z', '2026-11-13T08:00:00.250Z'];
    expect(parsedIn('Asia/Shanghai', texts)).toEqual(utc);
    expect(parsedIn('America/New_York', texts)).toEqual(utc);
    expect(texts.map((t) => parseTimestamp(t).toISOString())).toEqual(utc);
  });

  it('reads a timestamp with an offset as the instant it names', () => {
    expect(parseTimestamp('2026-11-13T08:00:00Z').toISOString()).toBe('2026-11-13T08:00:00.000Z');
    expect(parseTimestamp('2026-11-13T08:00:00z').toISOString()).toBe('2026-11-13T08:00:00.000Z');
    expect(parseTimestamp('2026-11-13T16:00:00+08:00').toISOString()).toBe('2026-11-13T08:00:00.000Z');
    expect(parseTimestamp('2026-11-13T16:00:00+0800').toISOString()).toBe('2026-11-13T08:00:00.000Z');
    expect(parseTimestamp('2026-11-13T16:00:00+08').toISOString()).toBe('2026-11-13T08:00:00.000Z');
    expect(parseTimestamp('2026-11-13T02:30:00-05:30').toISOString()).toBe('2026-11-13T08:00:00.000Z');
    expect(parsedIn('Asia/Shanghai', ['2026-11-13T16:00:00+08:00'])).toEqual(['2026-11-13T08:00:00.000Z']);
  });

  it('reads a date alone as midnight UTC', () => {
    expect(parseTimestamp('2026-11-13').toISOString()).toBe('2026-11-13T00:00:00.000Z');
    expect(parsedIn('Asia/Shanghai', ['2026-11-13', '2026-11'])).toEqual(['2026-11-13T00:00:00.000Z', '2026-11-01T00:00:00.000Z']);
  });

  it('reads the basic format, hours alone and a fraction of the last unit given, which new Date() cannot', () => {
    expect(parseTimestamp('20261113T080000').toISOString()).toBe('2026-11-13T08:00:00.000Z');
    expect(parseTimestamp('20261113T160000+0800').toISOString()).toBe('2026-11-13T08:00:00.000Z');
    expect(parseTimestamp('2026-11-13T08').toISOString()).toBe('2026-11-13T08:00:00.000Z');
    expect(parseTimestamp('2026-11-13T08:00:00,5').toISOString()).toBe('2026-11-13T08:00:00.500Z');
    expect(parseTimestamp('2026-11-13T08:30.5').toISOString()).toBe('2026-11-13T08:30:30.000Z');
    expect(parseTimestamp('2026-11-13T08:00:00.123456Z').toISOString()).toBe('2026-11-13T08:00:00.123Z');
    expect(parseTimestamp('2026-11-13T24:00').toISOString()).toBe('2026-11-14T00:00:00.000Z');
  });
});
