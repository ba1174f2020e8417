import { staffShell } from '../../http/staff-shell.ts';

/**
 * The staff page `/staff/fitting-rooms`: occupied fitting rooms and the size-request queue, with Claim and Brought
 * buttons. Plain HTML and vanilla JS on the fitting-room API, inside the shared staff shell (login, staff token).
 * It re-reads the API every 2 s; the mirror sees each status change on its cmd topic.
 */
export const fittingStaffPage = () =>
  staffShell({
    title: 'Fitting rooms',
    heading: 'fitting rooms',
    refreshMs: 2000,
    css: '.late{color:#b00020;font-weight:600}',
    body: `<section><h2>Size requests</h2><div class="scroll"><table><thead><tr><th>Room</th><th>Item</th><th>Size</th><th>Waiting</th><th>Status</th><th></th></tr></thead>
<tbody id="requests"></tbody></table></div><p id="result" aria-live="polite"></p></section>
<section><h2>Occupied fitting rooms</h2><ul id="rooms"></ul></section>`,
    script: `
const ago = (ms) => { const s = Math.max(0, Math.round((Date.now() - ms) / 1000)); return s < 60 ? s + ' s' : Math.round(s / 60) + ' min'; };
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
$('requests').onclick = async (ev) => {
  const b = ev.target.closest('button'); if (!b) return;
  const id = b.dataset.claim || b.dataset.done; const step = b.dataset.claim ? 'claim' : 'done';
  const r = $('result');
  try { await api('POST', '/api/v1/fitting/size-requests/' + encodeURIComponent(id) + '/' + step); r.className = 'ok'; r.textContent = step === 'claim' ? 'Claimed: bring it to the room.' : 'Marked as brought.'; }
  catch (e) { r.className = 'err'; r.textContent = say(e); }
  refresh().catch(() => {});
};`,
  });
