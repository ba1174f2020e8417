/**
 * The staff page: a login form (the staff token is kept in localStorage and the `sg_token` cookie), the load
 * form (scan or type an order id), the compartments with their state, and the active alerts. Plain HTML and
 * vanilla JS; everything it shows comes from /api/v1/lockers.
 */
export const staffPage = () => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Lockers · storegate</title>
<style>
body{font:16px system-ui,sans-serif;margin:0;background:#f4f5f7;color:#222}
header{background:#1d3557;color:#fff;padding:.7em 1em;display:flex;justify-content:space-between;align-items:center}
main{padding:1em;max-width:960px;margin:auto}
section{background:#fff;border-radius:8px;padding:1em;margin-bottom:1em;box-shadow:0 1px 3px #0002}
input,select,button{font:inherit;padding:.45em .6em;margin:.2em}
button{cursor:pointer;border:0;border-radius:5px;background:#1d3557;color:#fff}
button.secondary{background:#8d99ae}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(130px,1fr));gap:.6em}
.c{border:2px solid #ccc;border-radius:6px;padding:.5em;font-size:.85em}
.c b{font-size:1.2em}.free{border-color:#2a9d8f}.awaiting_pickup,.loading{border-color:#e9c46a}.expired{border-color:#e76f51}.returned,.returning{border-color:#6a4c93}.reserved{border-color:#457b9d}
.oos{opacity:.5}.fault{background:#ffe5e5}
#result{font-size:1.3em;font-weight:600}.err{color:#b00020}.alert{color:#b00020}
[hidden]{display:none!important}
</style></head>
<body>
<header><span>storegate · parcel lockers</span><button id="logout" class="secondary" hidden>Log out</button></header>
<main>
<section id="login">
  <h2>Staff login</h2>
  <form id="loginForm"><input id="token" type="password" placeholder="staff token" autocomplete="current-password" required>
  <button type="submit">Log in</button></form>
  <p id="loginError" class="err"></p>
</section>
<div id="app" hidden>
<section>
  <h2>Load an order</h2>
  <form id="loadForm">
    <input id="orderId" placeholder="scan or type the order id" required autofocus>
    <select id="size"><option value="">size…</option></select>
    <button type="submit">Open a compartment</button>
  </form>
  <p id="result" aria-live="polite"></p>
</section>
<section><h2>Alerts</h2><ul id="alerts"></ul></section>
<section><h2>Compartments</h2><div id="grid" class="grid"></div></section>
</div>
</main>
<script>
const $ = (id) => document.getElementById(id);
let token = localStorage.getItem('sg_token') || '';
const api = async (method, url, body) => {
  const res = await fetch(url, { method, headers: { authorization: 'Bearer ' + token, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(data.message || res.statusText), { status: res.status });
  return data;
};
const text = (s) => String(s ?? '').replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]);
function showApp(on) { $('login').hidden = on; $('app').hidden = !on; $('logout').hidden = !on; }
async function refresh() {
  const { controllers, compartments, alerts } = await api('GET', '/api/v1/lockers');
  const offline = controllers.filter((c) => !c.online).map((c) => ({ message: 'Locker controller ' + c.id + ' is offline: its doors cannot be opened' }));
  alerts.unshift(...offline);
  const sizes = [...new Set(compartments.map((c) => c.size))];
  if ($('size').options.length === 1) for (const s of sizes) $('size').add(new Option(s, s));
  $('alerts').innerHTML = alerts.length ? alerts.map((a) => '<li class="alert">' + text(a.message) + '</li>').join('') : '<li>none</li>';
  $('grid').innerHTML = compartments.map((c) =>
    '<div class="c ' + text(c.state) + (c.outOfService ? ' oos' : '') + (c.fault ? ' fault' : '') + '" data-id="' + text(c.id) + '">' +
    '<b>' + text(c.id) + '</b> ' + text(c.size) + '<br>' + text(c.state.replace('_', ' ')) + (c.pending ? ' · ' + text(c.pending) + '…' : '') +
    '<br>door ' + text(c.door) + (c.fault ? ' · ' + text(c.fault) : '') + (c.outOfService ? '<br>out of service' : '') +
    (c.parcel ? '<br>order ' + text(c.parcel.orderId) : '') +
    (c.state === 'expired' && c.parcel ? '<br><button data-reclaim="' + text(c.parcel.id) + '">Reclaim</button>' : '') +
    (c.state === 'returned' ? '<br><button data-open="' + text(c.id) + '">Collect return</button>' : '') +
    '<br><button class="secondary" data-oos="' + text(c.id) + '" data-to="' + (!c.outOfService) + '">' + (c.outOfService ? 'Back in service' : 'Out of service') + '</button>' +
    '</div>').join('');
}
async function start() {
  try { await refresh(); showApp(true); } catch (e) { showApp(false); if (e.status === 401) { $('loginError').textContent = token ? 'That token was refused.' : ''; } else $('loginError').textContent = e.message; }
}
$('loginForm').onsubmit = (ev) => {
  ev.preventDefault(); token = $('token').value.trim();
  localStorage.setItem('sg_token', token); document.cookie = 'sg_token=' + encodeURIComponent(token) + '; path=/; SameSite=Strict';
  start();
};
$('logout').onclick = () => { localStorage.removeItem('sg_token'); document.cookie = 'sg_token=; path=/; max-age=0'; token = ''; showApp(false); };
$('loadForm').onsubmit = async (ev) => {
  ev.preventDefault(); const r = $('result'); r.className = '';
  try {
    const body = { orderId: $('orderId').value.trim(), ...($('size').value ? { size: $('size').value } : {}) };
    const p = await api('POST', '/api/v1/lockers/parcels', body);
    r.textContent = 'Compartment ' + p.compartmentId + ' is open: put order ' + p.orderId + ' in and close the door.';
    r.dataset.compartment = p.compartmentId; $('orderId').value = '';
    await refresh(); poll(p.parcelId);
  } catch (e) { r.className = 'err'; r.textContent = e.message; }
};
async function poll(id) {
  for (let i = 0; i < 600; i++) {
    await new Promise((ok) => setTimeout(ok, 1000));
    const p = await api('GET', '/api/v1/lockers/parcels/' + encodeURIComponent(id)).catch(() => null);
    if (!p || p.status === 'loading') continue;
    $('result').textContent = p.status === 'awaiting_pickup' ? 'Order ' + p.orderId + ' loaded in ' + p.compartmentId + '. The shopper will be notified.' : 'Order ' + p.orderId + ': ' + p.status.replace('_', ' ') + '.';
    await refresh(); return;
  }
}
$('grid').onclick = async (ev) => {
  const b = ev.target.closest('button'); if (!b) return;
  try {
    if (b.dataset.reclaim) await api('POST', '/api/v1/lockers/parcels/' + encodeURIComponent(b.dataset.reclaim) + '/reclaim');
    if (b.dataset.open) await api('POST', '/api/v1/lockers/compartments/' + encodeURIComponent(b.dataset.open) + '/open');
    if (b.dataset.oos) await api('POST', '/api/v1/lockers/compartments/' + encodeURIComponent(b.dataset.oos) + '/service', { outOfService: b.dataset.to === 'true' });
  } catch (e) { $('result').className = 'err'; $('result').textContent = e.message; }
  refresh();
};
setInterval(() => { if (!$('app').hidden) refresh().catch(() => {}); }, 5000);
start();
</script>
</body></html>`;
