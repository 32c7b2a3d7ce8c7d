import { BadRequestException } from '@nestjs/common';
import { storableJson, StorableTextPipe, UNSUPPORTED_TEXT } from './storable-text.pipe';

describe(StorableTextPipe.name, () => {
  const pipe = new StorableTextPipe();

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
    let error: unknown;
    try {
      pipe.transform(body, { type: 'body' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BadRequestException);
    expect((error as BadRequestException).getResponse()).toEqual(UNSUPPORTED_TEXT);
  });

  it('leaves query strings and route parameters to their own checks', () => {
    expect(pipe.transform('a\u0000', { type: 'query' })).toBe('a\u0000');
    expect(pipe.transform('\ud83d', { type: 'param' })).toBe('\ud83d');
  });

  it('walks a body nested deeper than the call stack without overflowing it', () => {
    const depth = 50_000; // as deep as a 100 kB body of brackets can go
    expect(storableJson(JSON.parse(`${'['.repeat(depth)}"ok"${']'.repeat(depth)}`))).toBe(true);
    expect(storableJson(JSON.parse(`${'['.repeat(depth)}"\\u0000"${']'.repeat(depth)}`))).toBe(false);
  });
});
