/**
 * The admin dashboard, one self-contained page (no build step, no assets): it asks for an
 * admin key once, keeps it in the browser (localStorage, and a cookie scoped to Bull Board's
 * path, Secure when served over HTTPS), and reads the admin API with it: queues every 5 s, reasons, hours per status,
 * missed deadlines and the customers' feedback every minute. Every value is written as text, never as HTML.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Returns · admin</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1f2328; background: #f6f8fa; }
  header { background: #24292f; color: #fff; padding: 10px 20px; display: flex; gap: 20px; align-items: center; }
  header a, header button { color: #fff; background: none; border: 1px solid #57606a; border-radius: 6px; padding: 4px 10px; text-decoration: none; cursor: pointer; font: inherit; }
  main { padding: 16px 20px; display: grid; gap: 16px; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); }
  section { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 12px 16px; overflow-x: auto; }
  h1 { font-size: 16px; margin: 0; } h2 { font-size: 15px; margin: 0 0 8px; }
  table { border-collapse: collapse; width: 100%; } th, td { text-align: right; padding: 3px 8px; border-bottom: 1px solid #eaeef2; }
  th:first-child, td:first-child { text-align: left; } th { font-weight: 600; color: #57606a; }
  .warn { color: #bf3989; font-weight: 600; } .muted { color: #57606a; } #error { color: #cf222e; }
  [hidden] { display: none !important; }
  form { display: flex; gap: 8px; margin: 40px auto; max-width: 480px; } input { flex: 1; padding: 6px; font: inherit; }
</style>
</head>
<body>
<header><h1>Returns · admin</h1><span class="muted" id="updated"></span><span id="error"></span>
  <a href="/admin/queues">Bull Board</a><a href="/docs">API docs</a><button id="forget" type="button">Forget key</button></header>
<form id="login" hidden><input id="key" type="password" placeholder="admin API key" autocomplete="off" required><button type="submit">Open</button></form>
<main id="panels" hidden>
  <section><h2>Queues</h2><table id="queues"></table></section>
  <section><h2>Notices for agents (latest 20)</h2><table id="notices"></table></section>
  <section><h2>Missed deadlines (last 30 days)</h2><p class="muted" id="breaches-total"></p><table id="breaches"></table></section>
  <section><h2>Hours per status (cases of the last 30 days)</h2><table id="stages"></table></section>
  <section><h2>Reasons (cases of the last 30 days)</h2><table id="reasons"></table></section>
  <section><h2>Customer feedback (surveys of the last 30 days)</h2><p id="feedback"></p><table id="ratings"></table></section>
</main>
<script>
(() => {
  const KEY = 'returns_admin_key';
  const $ = (id) => document.getElementById(id);
  let key = localStorage.getItem(KEY);
  let timers = [];
  // Secure over HTTPS: the cookie holds the admin's key, and without it a browser sends it to http:// on this host too.
  const COOKIE = '; Path=/admin/queues; SameSite=Strict' + (location.protocol === 'https:' ? '; Secure' : '');

  function remember(value) {
    key = value;
    localStorage.setItem(KEY, value);
    document.cookie = KEY + '=' + encodeURIComponent(value) + COOKIE;
  }
  function forget(message) {
    key = null;
    localStorage.removeItem(KEY);
    document.cookie = KEY + '=; Max-Age=0' + COOKIE;
    timers.forEach(clearInterval);
    timers = [];
    $('panels').hidden = true;
    $('login').hidden = false;
    $('error').textContent = message || '';
  }
  async function get(path) {
    const response = await fetch(path, { headers: { Authorization: 'Bearer ' + key } });
    if (response.status === 401 || response.status === 403) {
      forget(response.status === 401 ? 'that key is not known' : 'that key is not an admin key');
      throw new Error('auth');
    }
    if (!response.ok) throw new Error(path + ' answered ' + response.status);
    return response.json();
  }
  function table(id, columns, rows) {
    const t = $(id);
    t.replaceChildren();
    const head = t.insertRow();
    for (const [label] of columns) { const th = document.createElement('th'); th.textContent = label; head.appendChild(th); }
    for (const row of rows) {
      const tr = t.insertRow();
      for (const [, value, warn] of columns) {
        const td = tr.insertCell();
        td.textContent = value(row);
        if (warn && warn(row)) td.className = 'warn';
      }
    }
  }
  const hours = (h) => (h < 1 ? Math.round(h * 60) + ' min' : h.toFixed(1) + ' h');
  const percent = (x) => (x * 100).toFixed(1) + '%';

  async function queues() {
    const { items } = await get('/v1/admin/queues');
    table('queues', [
      ['queue', (q) => q.name], ['waiting', (q) => q.waiting], ['active', (q) => q.active], ['delayed', (q) => q.delayed],
      ['failed', (q) => q.failed, (q) => q.failed > 0], ['workers', (q) => q.workers, (q) => q.workers === 0], ['jobs/min', (q) => q.throughputPerMin],
      ['paused', (q) => (q.paused ? 'yes' : ''), (q) => q.paused],
    ], items);
    $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  }
  async function analytics() {
    const [reasons, stages, breaches, feedback, notices] = await Promise.all([
      get('/v1/admin/analytics/reasons'), get('/v1/admin/analytics/stages'), get('/v1/admin/sla/breaches?limit=20'), get('/v1/admin/analytics/feedback'),
      get('/v1/staff-notifications?limit=20'),
    ]);
    table('notices', [['RMA', (n) => n.rmaNumber], ['notice', (n) => n.kind, (n) => n.kind !== 'review-reminder'], ['', (n) => n.message],
      ['at', (n) => new Date(n.createdAt).toLocaleString()]], notices.items);
    $('feedback').textContent = feedback.surveys + ' surveys, ' + feedback.answered + ' answered (' + percent(feedback.responseRate) + ')' +
      (feedback.averageRating === null ? '' : ', average ' + feedback.averageRating + ' / 5');
    table('ratings', [['rating', (r) => r[0] + ' / 5'], ['answers', (r) => r[1]]], Object.entries(feedback.byRating).reverse());
    table('reasons', [['reason', (r) => r.reasonCode], ['cases', (r) => r.cases], ['share', (r) => percent(r.share)], ['approved', (r) => r.approved],
      ['rejected', (r) => r.rejected], ['in review', (r) => r.inReview], ['cancelled', (r) => r.cancelled]], reasons.items);
    table('stages', [['status', (s) => s.status], ['stays', (s) => s.cases], ['still in', (s) => s.stillIn], ['p50', (s) => hours(s.p50Hours)],
      ['p95', (s) => hours(s.p95Hours)], ['max', (s) => hours(s.maxHours)]], stages.items);
    $('breaches-total').textContent = breaches.total + ' in all' + (breaches.total > breaches.items.length ? ', the latest ' + breaches.items.length + ' below' : '');
    table('breaches', [['RMA', (b) => b.rmaNumber], ['deadline', (b) => b.sla], ['due', (b) => new Date(b.dueAt).toLocaleString()],
      ['now', (b) => b.status], ['', (b) => (b.open ? 'still waiting' : 'resolved by ' + b.resolvedBy), (b) => b.open]], breaches.items);
  }
  function report(error) { if (error.message !== 'auth') $('error').textContent = error.message; }
  function open() {
    $('login').hidden = true;
    $('panels').hidden = false;
    $('error').textContent = '';
    queues().then(analytics).catch(report);
    timers = [setInterval(() => queues().catch(report), 5000), setInterval(() => analytics().catch(report), 60000)];
  }

  $('login').addEventListener('submit', (event) => { event.preventDefault(); remember($('key').value.trim()); open(); });
  $('forget').addEventListener('click', () => forget());
  if (key) { remember(key); open(); } else forget();
})();
</script>
</body>
</html>
`;
