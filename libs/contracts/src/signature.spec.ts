import { signBody, verifySignature } from './signature';

const SECRET = 'dev-webhook-secret';
const BODY = '{"id":"evt-1","type":"order.delivered"}';

describe(verifySignature.name, () => {
  it('takes the signature as signBody writes it', () => {
    expect(verifySignature(BODY, signBody(BODY, SECRET), SECRET)).toBe(true);
  });

  it('takes the hex in upper or mixed case: the same digest', () => {
    const hex = signBody(BODY, SECRET).slice('sha256='.length);
    expect(verifySignature(BODY, `sha256=${hex.toUpperCase()}`, SECRET)).toBe(true);
    const mixed = [...hex].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('');
    expect(verifySignature(BODY, `sha256=${mixed}`, SECRET)).toBe(true);
  });

  it('refuses another digest, whatever its case, another secret, another body, or none', () => {
    const hex = signBody(BODY, SECRET).slice('sha256='.length);
    const other = `${hex.slice(0, -1)}${hex.endsWith('0') ? '1' : '0'}`;
    expect(verifySignature(BODY, `sha256=${other}`, SECRET)).toBe(false);
    expect(verifySignature(BODY, `sha256=${other.toUpperCase()}`, SECRET)).toBe(false);
    expect(verifySignature(BODY, signBody(BODY, 'another-secret'), SECRET)).toBe(false);
    expect(verifySignature(`${BODY} `, signBody(BODY, SECRET), SECRET)).toBe(false);
    expect(verifySignature(BODY, hex, SECRET)).toBe(false);
    expect(verifySignature(BODY, undefined, SECRET)).toBe(false);
    expect(verifySignature(undefined, signBody(BODY, SECRET), SECRET)).toBe(false);
  });
});
