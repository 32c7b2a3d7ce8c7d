const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `500ms`, `30s`, `15m`, `48h`, `7d` (CONTRACT.md, "Configuration") into milliseconds. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (!match) throw new Error(`invalid duration "${text}": use a number and one of ms, s, m, h, d (e.g. 48h)`);
  return Math.round(Number(match[1]) * UNIT_MS[match[2]]);
}
