import { runInNewContext } from 'node:vm';
import { DASHBOARD_HTML } from './dashboard.html';

/** Runs the dashboard's script against a stub page served over `protocol`, with an admin key remembered; answers the cookies it wrote. */
function cookiesWritten(protocol: 'https:' | 'http:'): string[] {
  const script = /<script>([\s\S]*)<\/script>/.exec(DASHBOARD_HTML)![1];
  const cookies: string[] = [];
  const element = () => ({ hidden: false, textContent: '', addEventListener: () => undefined, replaceChildren: () => undefined, insertRow: () => ({ insertCell: () => ({}), appendChild: () => undefined }) });
  const elements = new Map<string, ReturnType<typeof element>>();
  const document = {
    getElementById: (id: string) => elements.get(id) ?? elements.set(id, element()).get(id),
    createElement: element,
    set cookie(value: string) {
      cookies.push(value);
    },
  };
  const stored = new Map([['returns_admin_key', 'k-admin']]);
  runInNewContext(script, {
    document,
    location: { protocol },
    localStorage: { getItem: (k: string) => stored.get(k) ?? null, setItem: (k: string, v: string) => stored.set(k, v), removeItem: (k: string) => stored.delete(k) },
    fetch: () => new Promise(() => undefined),
    setInterval: () => 0,
    clearInterval: () => undefined,
    encodeURIComponent,
  });
  return cookies;
}

describe('admin dashboard page', () => {
  it('keeps the admin key cookie off plain HTTP when the page is served over HTTPS (Secure)', () => {
    const [cookie] = cookiesWritten('https:');
    expect(cookie).toMatch(/^returns_admin_key=k-admin;/);
    expect(cookie.split(/;\s*/)).toEqual(expect.arrayContaining(['Path=/admin/queues', 'SameSite=Strict', 'Secure']));
  });

  it('still sets the cookie over plain HTTP (development), where a Secure cookie would not be kept', () => {
    const [cookie] = cookiesWritten('http:');
    expect(cookie.split(/;\s*/)).toEqual(expect.arrayContaining(['Path=/admin/queues', 'SameSite=Strict']));
    expect(cookie).not.toMatch(/Secure/);
  });
});
