import { BadRequestException } from '@nestjs/common';
import { BODY_TOO_DEEP, BodyLimitsPipe, bodyProblem, MAX_BODY_DEPTH, UNSUPPORTED_TEXT } from './body-limits.pipe';

describe(BodyLimitsPipe.name, () => {
  const pipe = new BodyLimitsPipe();

  function refusal(body: unknown): unknown {
    try {
      pipe.transform(body, { type: 'body' });
    } catch (error) {
      expect(error).toBeInstanceOf(BadRequestException);
      return (error as BadRequestException).getResponse();
    }
    return undefined;
  }

  /** `levels` arrays, one inside the other, around `inner`. */
  const nested = (levels: number, inner: unknown): unknown => {
    let value = inner;
    for (let i = 0; i < levels; i++) value = [value];
    return value;
  };

  it('passes a body of storable text on unchanged, emoji and CJK included', () => {
    const body = { note: '不要了 😀', items: [{ sku: 'S1', name: 'T恤', quantity: 2 }], nested: { deeper: ['\ud83d\ude00', 1, null, true] } };
    expect(pipe.transform(body, { type: 'body' })).toBe(body);
  });

  it.each([
    ['a NUL character in a value', { note: 'a\u0000b' }],
    ['half a surrogate pair at the end', { note: '尺码太小了\ud83d' }],
    ['the other half alone at the start', { note: '\ude00尺码' }],
    ['two halves the wrong way round', { note: '\ude00\ud83d' }],
    ['bad text deep in an array', { items: [{ sku: 'S1' }, { sku: ['ok', { name: 'T恤\ud83d' }] }] }],
    ['bad text in a key', { ['\ud83d']: 'value' }],
    ['a body that is bad text itself', '\u0000'],
  ])('refuses %s: 400 UNSUPPORTED_TEXT', (_, body) => {
    expect(refusal(body)).toEqual(UNSUPPORTED_TEXT);
  });

  it(`takes ${MAX_BODY_DEPTH} levels of arrays and objects, and refuses one more: 400 BODY_TOO_DEEP`, () => {
    expect(refusal(nested(MAX_BODY_DEPTH, 'ok'))).toBeUndefined();
    expect(refusal(nested(MAX_BODY_DEPTH - 1, { a: 1 }))).toBeUndefined();
    expect(refusal(nested(MAX_BODY_DEPTH + 1, 'ok'))).toEqual(BODY_TOO_DEEP);
    expect(refusal(nested(MAX_BODY_DEPTH, { a: 1 }))).toEqual(BODY_TOO_DEEP);
    expect(refusal(nested(MAX_BODY_DEPTH, []))).toEqual(BODY_TOO_DEEP);
  });

  it('leaves query strings and route parameters to their own checks', () => {
    expect(pipe.transform('a\u0000', { type: 'query' })).toBe('a\u0000');
    expect(pipe.transform('\ud83d', { type: 'param' })).toBe('\ud83d');
  });

  it('walks a body nested as deep as 100 kB allows without running out of stack', () => {
    const depth = 50_000;
    expect(bodyProblem(JSON.parse(`${'['.repeat(depth)}"ok"${']'.repeat(depth)}`))).toEqual(BODY_TOO_DEEP);
    expect(bodyProblem(JSON.parse(`${'{"a":'.repeat(depth / 5)}1${'}'.repeat(depth / 5)}`))).toEqual(BODY_TOO_DEEP);
  });
});
