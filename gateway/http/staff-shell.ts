import type { Language } from '../staff/accounts.ts';
import { shellDe } from './i18n/shell.de.ts';
import { type ShellMessages, shellEn } from './i18n/shell.en.ts';

/**
 * The shell every staff page shares: head and base style (large type and touch-sized buttons for a screen at the
 * counter), the login (a person's login and PIN, which sets the HttpOnly session cookie; or a staff/integration
 * token kept in localStorage and the `sg_token` cookie), log out, the language switch, and the page's script
 * helpers. A page brings its own HTML, CSS and script; the script defines `async function refresh()`, which the
 * shell calls after login and every `refreshMs` while the page is shown (0: only after login; a live page updates
 * itself).
 *
 * Helpers the page script may use: `$(id)`, `text(s)` (HTML-escaped), `api(method, url, body?)` (JSON, with the
 * token or the session cookie; throws an Error with `status`, 0 when the gateway did not answer), `say(err)` (the
 * error in words), `me` (who is logged in) and `onLogin()` if the page defines it (called once after login).
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
  /** the page's language (default English); the switch reloads the page with `?lang=` */
  language?: Language;
  /**
   * The page's own words in its language (a catalog per page and language, e.g. fitting/i18n, lockers/i18n): the
   * script reads them as `T.key` or `tt('key', { name: value })` (`{name}` placeholders; values are not escaped).
   */
  messages?: Record<string, string>;
}

export const SHELL_MESSAGES: Record<Language, ShellMessages> = { en: shellEn, de: shellDe };
/** `?lang=` of a staff page, else the store's language */
export const pageLanguage = (query: unknown, store: Language): Language => {
  const l = (query as { lang?: unknown } | undefined)?.lang;
  return l === 'en' || l === 'de' ? l : store;
};

const baseCss = `
body{font:18px/1.4 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#222}
header{background:#1d3557;color:#fff;padding:.7em 1em;display:flex;justify-content:space-between;align-items:center;gap:1em}
header small{opacity:.8;font-size:.75em}
header a{color:#fff;margin-left:.4em}header a.on{font-weight:700;text-decoration:none}
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

const shellScript = (refreshMs: number, lang: Language, messages: Record<string, string>) => ({
  before: `
const LANG = ${JSON.stringify(lang)};
const T = ${JSON.stringify(messages).replace(/</g, '\\u003c')};
const tt = (k, p) => { let s = T[k] ?? k; for (const [n, v] of Object.entries(p || {})) s = s.split('{' + n + '}').join(v); return s; };
const SHELL = ${JSON.stringify(SHELL_MESSAGES[lang])};
const st_ = (k, p) => { let s = SHELL[k] ?? k; for (const [n, v] of Object.entries(p || {})) s = s.split('{' + n + '}').join(v); return s; };
const $ = (id) => document.getElementById(id);
const text = (s) => String(s ?? '').replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]);
let token = localStorage.getItem('sg_token') || '';
let me = null;
const setCookie = (t) => { document.cookie = t ? 'sg_token=' + encodeURIComponent(t) + '; path=/; SameSite=Strict' : 'sg_token=; path=/; max-age=0'; };
const api = async (method, url, body) => {
  let res;
  const headers = { ...(token ? { authorization: 'Bearer ' + token } : {}), ...(body ? { 'content-type': 'application/json' } : {}) };
  try { res = await fetch(url, { method, headers, body: body ? JSON.stringify(body) : undefined }); }
  catch { throw Object.assign(new Error('no answer'), { status: 0 }); }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(data.message || res.statusText), { status: res.status });
  return data;
};
const say = (e) =>
  e.status === 0 ? st_('no_answer')
  : e.status === 401 ? st_('refused')
  : e.status === 403 ? st_('forbidden')
  : e.status === 429 ? st_('too_many')
  : e.status >= 500 ? st_('server', { status: e.status })
  : String(e.message || st_('failed', { status: e.status }));
function showApp(on) { $('login').hidden = on; $('app').hidden = !on; $('logout').hidden = !on; if (!on) $('who').textContent = ''; }
`,
  after: `
async function start() {
  try {
    me = await api('GET', '/api/v1/staff/me');
    // a person who set a language in their account gets it, unless they chose one on this device
    if (me.kind === 'staff' && me.language && me.language !== LANG && !localStorage.getItem('sg_lang')) return switchLang(me.language);
    await refresh();
    if (token) { localStorage.setItem('sg_token', token); setCookie(token); }
    $('loginError').textContent = ''; $('conn').textContent = ''; $('who').textContent = st_('logged_in_as', { name: me.name }); showApp(true);
    if (typeof onLogin === 'function') onLogin();
  } catch (e) {
    showApp(false);
    if (e.status === 401) { localStorage.removeItem('sg_token'); setCookie(''); }
    $('loginError').textContent = e.status === 401 ? (token ? st_('token_refused') : '') : say(e);
    token = '';
  }
}
$('personForm').onsubmit = async (ev) => {
  ev.preventDefault();
  const login = $('staffLogin').value.trim(), secret = $('staffPin').value; $('staffPin').value = '';
  try { await api('POST', '/api/v1/staff/login', { login, secret }); token = ''; localStorage.removeItem('sg_token'); setCookie(''); start(); }
  catch (e) { $('loginError').textContent = e.status === 401 ? st_('login_refused') : e.status === 429 && /locked/.test(e.message) ? st_('login_locked') : say(e); }
};
$('loginForm').onsubmit = (ev) => { ev.preventDefault(); token = $('token').value.trim(); $('token').value = ''; start(); };
$('logout').onclick = () => {
  api('POST', '/api/v1/staff/logout', {}).catch(() => {});
  localStorage.removeItem('sg_token'); setCookie(''); token = ''; me = null; $('loginError').textContent = ''; showApp(false);
};
function switchLang(l) { localStorage.setItem('sg_lang', l); const u = new URL(location.href); u.searchParams.set('lang', l); location.replace(u.pathname + u.search); }
for (const a of document.querySelectorAll('[data-lang]')) a.onclick = (ev) => { ev.preventDefault(); switchLang(a.dataset.lang); };
{
  const chosen = localStorage.getItem('sg_lang');
  if (chosen && chosen !== LANG && !new URLSearchParams(location.search).get('lang')) switchLang(chosen);
}
${
  refreshMs > 0
    ? `setInterval(() => {
  if ($('app').hidden) return;
  refresh().then(() => { $('conn').textContent = ''; }, (e) => { if (e.status === 401) start(); else $('conn').textContent = st_('not_updating', { why: say(e) }); });
}, ${refreshMs});`
    : ''
}
const fromUrl = new URLSearchParams(location.hash.slice(1)).get('token');
if (fromUrl) { token = fromUrl; history.replaceState(null, '', location.pathname + location.search); }
// with no token the session cookie (HttpOnly: invisible here) may still be valid: ask
start();
`,
});

export function staffShell(p: StaffPage) {
  const lang = p.language ?? 'en';
  const m = SHELL_MESSAGES[lang];
  const js = shellScript(p.refreshMs, lang, p.messages ?? {});
  const langs = (Object.keys(SHELL_MESSAGES) as Language[])
    .map((l) => `<a href="?lang=${l}" data-lang="${l}"${l === lang ? ' class="on"' : ''}>${SHELL_MESSAGES[l].lang_name}</a>`)
    .join('');
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${p.title} · storegate</title>
<style>${baseCss}
${p.css ?? ''}
</style></head>
<body>
<header><span>storegate · ${p.heading}</span><small id="conn" aria-live="polite"></small><span><small id="who"></small> <button id="logout" class="secondary" hidden>${m.log_out}</button> <small id="langs">${langs}</small></span></header>
<main>
<section id="login">
  <h2>${m.staff_login}</h2>
  <form id="personForm"><input id="staffLogin" placeholder="${m.login_placeholder}" autocomplete="username" autocapitalize="none" required>
  <input id="staffPin" type="password" placeholder="${m.pin_placeholder}" autocomplete="current-password" required>
  <button type="submit">${m.log_in}</button></form>
  <p id="loginError" class="err" aria-live="polite"></p>
  <p><small>${m.or_token}</small></p>
  <form id="loginForm"><input id="token" type="password" placeholder="${m.token_placeholder}" autocomplete="off" required>
  <button type="submit">${m.log_in}</button></form>
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
