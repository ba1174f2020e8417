/**
 * The staff page `/staff/fitting-rooms`: occupied fitting rooms and the size-request queue, with Claim and Brought
 * buttons. Plain HTML and vanilla JS on the fitting-room API (staff token, kept like the lockers page does).
 * It re-reads the API every 2 s; the mirror sees each status change on its cmd topic.
 */
export const fittingStaffPage = () => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Fitting rooms · storegate</title>
<style>
body{font:16px system-ui,sans-serif;margin:0;background:#f4f5f7;color:#222}
header{background:#1d3557;color:#fff;padding:.7em 1em;display:flex;justify-content:space-between;align-items:center}
main{padding:1em;max-width:960px;margin:auto}
section{background:#fff;border-radius:8px;padding:1em;margin-bottom:1em;box-shadow:0 1px 3px #0002}
input,button{font:inherit;padding:.45em .6em;margin:.2em}
button{cursor:pointer;border:0;border-radius:5px;background:#1d3557;color:#fff}
button.secondary{background:#8d99ae}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.4em;border-bottom:1px solid #ddd}
.late{color:#b00020;font-weight:600}.err{color:#b00020}
[hidden]{display:none!important}
</style></head>
<body>
<header><span>storegate · fitting rooms</span><button id="logout" class="secondary" hidden>Log out</button></header>
<main>
<section id="login">
  <h2>Staff login</h2>
  <form id="loginForm"><input id="token" type="password" placeholder="staff token" autocomplete="current-password" required>
  <button type="submit">Log in</button></form>
  <p id="loginError" class="err"></p>
</section>
<div id="app" hidden>
<section><h2>Size requests</h2><table><thead><tr><th>Room</th><th>Item</th><th>Size</th><th>Waiting</th><th>Status</th><th></th></tr></thead>
<tbody id="requests"></tbody></table><p id="result" aria-live="polite"></p></section>
<section><h2>Occupied fitting rooms</h2><ul id="rooms"></ul></section>
</div>
</main>
<script>
const $ = (id) => document.getElementById(id);
let token = localStorage.getItem('sg_token') || '';
const api = async (method, url) => {
  const res = await fetch(url, { method, headers: { authorization: 'Bearer ' + token } });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(data.message || res.statusText), { status: res.status });
  return data;
};
const text = (s) => String(s ?? '').replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]);
const ago = (ms) => { const s = Math.max(0, Math.round((Date.now() - ms) / 1000)); return s < 60 ? s + ' s' : Math.round(s / 60) + ' min'; };
function showApp(on) { $('login').hidden = on; $('app').hidden = !on; $('logout').hidden = !on; }
async function refresh() {
  const [{ requests }, { open }] = await Promise.all([api('GET', '/api/v1/fitting/size-requests'), api('GET', '/api/v1/fitting/rooms')]);
  $('requests').innerHTML = requests.length ? requests.map((q) => {
    const created = Date.parse(q.createdAt) || Date.now();
    return '<tr data-id="' + text(q.id) + '"><td>' + text(q.zone ?? q.mirrorId) + '</td><td>' + text(q.productName ?? q.productId) + '</td><td>' + text(q.size) +
      '</td><td class="' + (Date.now() - created > 300000 ? 'late' : '') + '">' + ago(created) + '</td><td>' + text(q.status) + '</td><td>' +
      (q.status === 'open' ? '<button data-claim="' + text(q.id) + '">Claim</button>' : '') +
      '<button class="secondary" data-done="' + text(q.id) + '">Brought</button></td></tr>';
  }).join('') : '<tr><td colspan="6">No open size requests.</td></tr>';
  $('rooms').innerHTML = open.length ? open.map((r) => '<li>' + text(r.zone ?? r.mirrorId) + ' (mirror ' + text(r.mirrorId) + '), since ' + ago(r.startedAt) + '</li>').join('') : '<li>All fitting rooms free.</li>';
}
async function start() {
  try { await refresh(); showApp(true); } catch (e) { showApp(false); $('loginError').textContent = e.status === 401 ? (token ? 'That token was refused.' : '') : e.message; }
}
$('loginForm').onsubmit = (ev) => {
  ev.preventDefault(); token = $('token').value.trim();
  localStorage.setItem('sg_token', token); document.cookie = 'sg_token=' + encodeURIComponent(token) + '; path=/; SameSite=Strict';
  start();
};
$('logout').onclick = () => { localStorage.removeItem('sg_token'); document.cookie = 'sg_token=; path=/; max-age=0'; token = ''; showApp(false); };
$('requests').onclick = async (ev) => {
  const b = ev.target.closest('button'); if (!b) return;
  const id = b.dataset.claim || b.dataset.done; const step = b.dataset.claim ? 'claim' : 'done';
  try { await api('POST', '/api/v1/fitting/size-requests/' + encodeURIComponent(id) + '/' + step); $('result').textContent = step === 'claim' ? 'Claimed: bring it to the room.' : 'Marked as brought.'; }
  catch (e) { $('result').textContent = e.message; }
  refresh().catch(() => {});
};
setInterval(() => { if (!$('app').hidden) refresh().catch(() => {}); }, 2000);
if (token) start();
</script>
</body></html>`;
