/**
 * The shell every staff page shares: head and base style (large type and touch-sized buttons for a screen at the
 * counter), the login form, the staff token kept in localStorage and the `sg_token` cookie, log out, and the
 * page's script helpers. A page brings its own HTML, CSS and script; the script defines `async function refresh()`,
 * which the shell calls after login and every `refreshMs` while the page is shown.
 *
 * Helpers the page script may use: `$(id)`, `text(s)` (HTML-escaped), `api(method, url, body?)` (JSON, with the
 * token; throws an Error with `status`, 0 when the gateway did not answer) and `say(err)` (the error in words).
 *
 * `#token=<staff token>` in the URL logs in like a typed token (for the one-click URL the demo prints); the
 * fragment never reaches the server and is dropped from the address bar and history at once.
 */
export interface StaffPage {
  /** the browser tab: `<title> · storegate` */
  title: string;
  /** the header line: `storegate · <heading>` */
  heading: string;
  /** inside `#app`, shown once logged in */
  body: string;
  css?: string;
  script: string;
  refreshMs: number;
}

const baseCss = `
body{font:18px/1.4 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#222}
header{background:#1d3557;color:#fff;padding:.7em 1em;display:flex;justify-content:space-between;align-items:center;gap:1em}
header small{opacity:.8;font-size:.75em}
main{padding:1em;max-width:1080px;margin:auto}
section{background:#fff;border-radius:8px;padding:1em;margin-bottom:1em;box-shadow:0 1px 3px #0002}
h2{margin:.1em 0 .5em;font-size:1.3em}
input,select,button{font:inherit;box-sizing:border-box;padding:.45em .6em;margin:.2em;min-height:2.5em;touch-action:manipulation}
button{cursor:pointer;border:0;border-radius:5px;background:#1d3557;color:#fff;min-width:2.5em}
button.secondary{background:#8d99ae}button.danger{background:#b00020}
button:disabled{opacity:.5}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.4em;border-bottom:1px solid #ddd;vertical-align:middle}
.err{color:#b00020;font-weight:600}.ok{color:#1b5e20;font-weight:600}
[hidden]{display:none!important}`;

const shellScript = (refreshMs: number) => ({
  before: `
const $ = (id) => document.getElementById(id);
const text = (s) => String(s ?? '').replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]);
let token = localStorage.getItem('sg_token') || '';
const setCookie = (t) => { document.cookie = t ? 'sg_token=' + encodeURIComponent(t) + '; path=/; SameSite=Strict' : 'sg_token=; path=/; max-age=0'; };
const api = async (method, url, body) => {
  let res;
  try {
    res = await fetch(url, { method, headers: { authorization: 'Bearer ' + token, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  } catch { throw Object.assign(new Error('no answer'), { status: 0 }); }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(data.message || res.statusText), { status: res.status });
  return data;
};
const say = (e) =>
  e.status === 0 ? 'The gateway did not answer: check the network and try again.'
  : e.status === 401 ? 'Your staff token was refused: log in again.'
  : e.status === 429 ? 'Too many wrong tokens from this device: wait a minute, then log in again.'
  : e.status >= 500 ? 'The gateway had a problem (' + e.status + '): try again; if it persists, tell store IT.'
  : String(e.message || 'failed');
function showApp(on) { $('login').hidden = on; $('app').hidden = !on; $('logout').hidden = !on; }
`,
  after: `
async function start() {
  try {
    await refresh();
    localStorage.setItem('sg_token', token); setCookie(token);
    $('loginError').textContent = ''; $('conn').textContent = ''; showApp(true);
  } catch (e) {
    showApp(false);
    if (e.status === 401) { localStorage.removeItem('sg_token'); setCookie(''); }
    $('loginError').textContent = e.status === 401 ? (token ? 'That token was refused.' : '') : say(e);
  }
}
$('loginForm').onsubmit = (ev) => { ev.preventDefault(); token = $('token').value.trim(); $('token').value = ''; start(); };
$('logout').onclick = () => { localStorage.removeItem('sg_token'); setCookie(''); token = ''; $('loginError').textContent = ''; showApp(false); };
setInterval(() => {
  if ($('app').hidden) return;
  refresh().then(() => { $('conn').textContent = ''; }, (e) => { if (e.status === 401) start(); else $('conn').textContent = 'not updating: ' + say(e); });
}, ${refreshMs});
const fromUrl = new URLSearchParams(location.hash.slice(1)).get('token');
if (fromUrl) { token = fromUrl; history.replaceState(null, '', location.pathname + location.search); }
if (token) start(); else showApp(false);
`,
});

export function staffShell(p: StaffPage) {
  const js = shellScript(p.refreshMs);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${p.title} · storegate</title>
<style>${baseCss}
${p.css ?? ''}
</style></head>
<body>
<header><span>storegate · ${p.heading}</span><small id="conn" aria-live="polite"></small><button id="logout" class="secondary" hidden>Log out</button></header>
<main>
<section id="login">
  <h2>Staff login</h2>
  <form id="loginForm"><input id="token" type="password" placeholder="staff token" autocomplete="current-password" required>
  <button type="submit">Log in</button></form>
  <p id="loginError" class="err" aria-live="polite"></p>
</section>
<div id="app" hidden>
${p.body}
</div>
</main>
<script>${js.before}
${p.script}
${js.after}</script>
</body></html>`;
}
