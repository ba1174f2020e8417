import { staffShell } from '../../http/staff-shell.ts';
import type { Language } from '../../staff/accounts.ts';
import { STAFF_MESSAGES } from './i18n/index.ts';

/**
 * The staff page `/staff/fitting-rooms`: occupied fitting rooms and the size-request queue. Live: the page follows
 * `GET /api/v1/fitting/size-requests/events` (EventSource, with the session cookie) and re-reads the queue on each
 * change; a new request plays a short tone (Web Audio) and shows a browser notification once staff turned them on
 * (browsers allow sound and the permission prompt only after a tap). Claim → Brought / Not available; the mirror
 * sees each step on its cmd topic. A slow re-read every 30 s covers a stream that silently stalled.
 */
export const fittingStaffPage = (language: Language = 'en') => {
  const m = STAFF_MESSAGES[language];
  return staffShell({
    title: m.title,
    heading: m.heading,
    language,
    messages: m,
    refreshMs: 30_000,
    css: '.late{color:#b00020;font-weight:600}#live{font-size:.8em;margin-left:1em}#live.on{color:#1b5e20}#live.off{color:#b00020}',
    body: `<section><h2>${m.requests}<span id="live" class="off"></span></h2>
<p><button id="notify" class="secondary">${m.notify_enable}</button></p>
<div class="scroll"><table><thead><tr><th>${m.room}</th><th>${m.item}</th><th>${m.size}</th><th>${m.waiting}</th><th>${m.status}</th><th></th></tr></thead>
<tbody id="requests"></tbody></table></div><p id="result" aria-live="polite"></p></section>
<section><h2>${m.rooms}</h2><ul id="rooms"></ul></section>`,
    script: `
const ago = (ms) => { const s = Math.max(0, Math.round((Date.now() - ms) / 1000)); return s < 60 ? s + ' s' : Math.round(s / 60) + ' min'; };
const byName = (by) => String(by || '').replace(/^staff:/, '');
const announced = new Set();
let audio = null, stream = null;
async function refresh() {
  const [{ requests }, { open }] = await Promise.all([api('GET', '/api/v1/fitting/size-requests'), api('GET', '/api/v1/fitting/rooms')]);
  $('requests').innerHTML = requests.length ? requests.map((q) => {
    const created = Date.parse(q.createdAt) || Date.now();
    const id = text(q.id);
    const actions = q.status === 'open'
      ? '<button data-step="claim" data-id="' + id + '">' + text(T.claim) + '</button>'
      : '<button data-step="done" data-id="' + id + '">' + text(T.brought) + '</button><button class="secondary" data-step="unavailable" data-id="' + id + '">' + text(T.unavailable) + '</button>';
    return '<tr data-id="' + id + '" data-status="' + text(q.status) + '"><td>' + text(q.zone ?? q.mirrorId) + '</td><td>' + text(q.productName ?? q.productId) + '</td><td>' + text(q.size) +
      '</td><td class="' + (Date.now() - created > 300000 ? 'late' : '') + '">' + ago(created) + '</td><td>' + text(tt('status.' + q.status, { by: byName(q.claimedBy) })) + '</td><td>' + actions + '</td></tr>';
  }).join('') : '<tr><td colspan="6">' + text(T.none) + '</td></tr>';
  $('rooms').innerHTML = open.length ? open.map((r) => '<li>' + text(tt('since', { room: r.zone ?? r.mirrorId, mirror: r.mirrorId, ago: ago(r.startedAt) })) + '</li>').join('') : '<li>' + text(T.rooms_none) + '</li>';
}
/** a new request: a short tone and a notification (both only once staff allowed them on this device) */
function ring(q) {
  try {
    if (audio) {
      const o = audio.createOscillator(), g = audio.createGain();
      o.type = 'sine'; o.frequency.value = 880; g.gain.value = 0.2;
      o.connect(g); g.connect(audio.destination); o.start(); o.stop(audio.currentTime + 0.25);
    }
  } catch {}
  try {
    if ('Notification' in window && Notification.permission === 'granted')
      new Notification(T.notify_title, { body: tt('notify_body', { item: q.productName ?? q.sku, size: q.size, room: q.zone ?? q.mirrorId }), tag: 'size-request-' + q.id });
  } catch {}
}
function live(on) { $('live').className = on ? 'on' : 'off'; $('live').textContent = on ? T.live : T.offline; }
function connect() {
  if (stream) stream.close();
  stream = new EventSource('/api/v1/fitting/size-requests/events');
  stream.onopen = () => { live(true); refresh().catch(() => {}); };
  stream.addEventListener('request', (ev) => {
    const q = JSON.parse(ev.data);
    if (q.status === 'open' && !announced.has(q.id)) { announced.add(q.id); ring(q); }
    refresh().catch(() => {});
  });
  stream.onerror = () => {
    live(false);
    // a refused stream (logged out, session ended) is closed by the browser: check the login, then try again
    if (stream.readyState === EventSource.CLOSED) setTimeout(() => { if (!$('app').hidden) start(); }, 2000);
  };
}
function onLogin() { connect(); }
$('notify').onclick = async () => {
  try { audio = audio || new (window.AudioContext || window.webkitAudioContext)(); await audio.resume(); } catch {}
  try { if ('Notification' in window && Notification.permission === 'default') await Notification.requestPermission(); } catch {}
  $('notify').textContent = T.notify_on; $('notify').disabled = true;
};
$('requests').onclick = async (ev) => {
  const b = ev.target.closest('button'); if (!b) return;
  const r = $('result');
  try {
    await api('POST', '/api/v1/fitting/size-requests/' + encodeURIComponent(b.dataset.id) + '/' + b.dataset.step);
    r.className = 'ok'; r.textContent = T[b.dataset.step === 'claim' ? 'claimed_ok' : b.dataset.step === 'done' ? 'brought_ok' : 'unavailable_ok'];
  } catch (e) { r.className = 'err'; r.textContent = e.status === 409 && /claim it first/.test(e.message) ? T.claim_first : say(e); }
  refresh().catch(() => {});
};`,
  });
};
