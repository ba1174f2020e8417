import { staffShell } from '../../http/staff-shell.ts';
import type { Language } from '../../staff/accounts.ts';
import { LOCKERS_STAFF_MESSAGES } from './i18n/index.ts';
import { extrasBody, extrasScript } from './page-extras.ts';

// Compartment size classes come from the bank config as the API shows it (the compartments' sizes); the config's
// own order is not on the API, so the usual labels are ranked small to large and others keep their order.
const script = `
const RANK = ['XXS', 'XS', 'S', 'M', 'L', 'XL', 'XXL', 'XXXL'];
const rank = (s) => { const i = RANK.indexOf(String(s).toUpperCase()); return i < 0 ? RANK.length : i; };
const clock = (iso) => (iso ? new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '');
let sizes = ['S'];
let expectedList = [];
let shownExpected = '';
let armed = null, disarm = null;
const chosen = {}; // orderId → the compartment size staff picked, kept when the list is redrawn
function renderExpected() {
  const html = expectedList.length ? expectedList.map((x) => {
    const id = text(x.orderId);
    const pick = chosen[x.orderId] ?? sizes[0];
    const where = x.compartmentId
      ? '<b>' + text(x.compartmentId) + '</b> ' + text(tt('reserved_until', { t: clock(x.reservedUntil) }))
      : '<label>' + text(T.size_label) + ' <select aria-label="' + text(tt('size_for_order', { id: x.orderId })) + '">' +
        sizes.map((s) => '<option value="' + text(s) + '"' + (s === pick ? ' selected' : '') + '>' + text(s) + '</option>').join('') + '</select></label>';
    const arrive = x.status === 'expected' ? '<button data-arrived="' + id + '">' + text(T.arrived) + '</button>' : '';
    const cancel = armed === x.orderId
      ? '<button class="danger" data-cancel="' + id + '">' + text(T.tap_again) + '</button>'
      : '<button class="secondary" data-cancel="' + id + '">' + text(T.cancel) + '</button>';
    return '<tr data-order="' + id + '" class="' + text(x.status) + '"><td>' + id + '</td><td>' + text(x.sku) + '</td><td>' + text(x.size) + '</td><td>' +
      text(T['expected.' + x.status] ?? x.status) + '</td><td>' + where + '</td><td>' + arrive + cancel + '</td></tr>';
  }).join('') : '<tr><td colspan="6">' + text(T.no_expected) + '</td></tr>';
  // re-rendering an unchanged list would reset a size staff just picked (or close its open menu)
  if (html !== shownExpected) { $('expected').innerHTML = html; shownExpected = html; }
}
async function refresh() {
  // one snapshot: the orders, the alerts and the grid are drawn from the same answers, so a reserved compartment shows
  // in its order's row and in the grid at once; the season tools below refresh after
  const [{ controllers, compartments, alerts }, waiting, arrived, mineAlerts] = await Promise.all([
    api('GET', '/api/v1/lockers'), api('GET', '/api/v1/lockers/expected?status=expected'), api('GET', '/api/v1/lockers/expected?status=arrived'),
    api('GET', '/api/v1/alerts/mine').catch(() => ({ open: [] })),
  ]);
  const offline = controllers.filter((c) => !c.online).map((c) => ({ message: tt('controller_offline', { id: c.id }) }));
  alerts.unshift(...offline);
  const known = [...new Set(compartments.map((c) => c.size))].sort((a, b) => rank(a) - rank(b));
  if (known.length) sizes = known;
  if ($('size').options.length === 1) for (const s of sizes) $('size').add(new Option(s, s));
  expectedList = [...waiting.expected, ...arrived.expected].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.orderId.localeCompare(b.orderId));
  const reservedFor = Object.fromEntries(arrived.expected.filter((x) => x.compartmentId).map((x) => [x.compartmentId, x.orderId]));
  renderExpected();
  // the health service's record of each alert: acknowledged by whom, or a button to acknowledge it (locker alerts are
  // fulfilment's to act on); a page without that right just lists them
  const mine = new Map(mineAlerts.open.map((a) => [a.key, a]));
  const ack = (a) => {
    const h = a.key && mine.get(a.key);
    if (!h) return '';
    return h.ackedAt !== null ? ' <span class="muted acked">· ' + text(tt('alert_acked', { name: h.ackedName })) + (h.ackNote ? ': ' + text(h.ackNote) : '') + '</span>'
      : ' <button class="secondary" data-ack="' + h.id + '">' + text(T.alert_ack) + '</button>';
  };
  $('alerts').innerHTML = alerts.length ? alerts.map((a) => '<li class="alert" data-key="' + text(a.key ?? '') + '">' + text(a.message) + ack(a) + '</li>').join('') : '<li>' + text(T.none) + '</li>';
  $('grid').innerHTML = compartments.map((c) =>
    '<div class="c ' + text(c.state) + (c.outOfService ? ' oos' : '') + (c.fault ? ' fault' : '') + '" data-id="' + text(c.id) + '">' +
    '<b>' + text(c.id) + '</b> ' + text(c.size) + '<br>' + text(T['state.' + c.state] ?? c.state.replace('_', ' ')) + (c.pending ? ' · ' + text(c.pending) + '…' : '') +
    '<br>' + text(tt('door', { state: T['door.' + c.door] ?? c.door })) + (c.fault ? ' · ' + text(c.fault) : '') + (c.outOfService ? '<br>' + text(T.out_of_service) : '') +
    (c.parcel ? '<br>' + text(tt('order_ref', { id: c.parcel.orderId })) : '') +
    (c.state === 'reserved' && reservedFor[c.id] ? '<br>' + text(tt('for_order', { id: reservedFor[c.id] })) : '') +
    (c.state === 'expired' && c.parcel ? '<br><button data-reclaim="' + text(c.parcel.id) + '">' + text(T.reclaim) + '</button>' : '') +
    (c.state === 'loading' && c.pending === 'load' && c.parcel && c.door !== 'open' ? '<br><button class="danger" data-cancel="' + text(c.parcel.id) + '">' + text(T.cancel_load) + '</button>' : '') +
    (c.fault === 'check' ? '<br><b>' + text(T.check_door) + '</b>' : '') +
    (c.state === 'returned' ? '<br><button data-open="' + text(c.id) + '">' + text(T.collect_return) + '</button>' : '') +
    '<br><button class="secondary" data-oos="' + text(c.id) + '" data-to="' + (!c.outOfService) + '">' + text(c.outOfService ? T.back_in_service : T.set_out_of_service) + '</button>' +
    '</div>').join('');
  await refreshExtras();
}
$('loadForm').onsubmit = async (ev) => {
  ev.preventDefault(); const r = $('result'); r.className = '';
  try {
    const body = { orderId: $('orderId').value.trim(), ...($('size').value ? { size: $('size').value } : {}) };
    const p = await api('POST', '/api/v1/lockers/parcels', body);
    r.textContent = tt('load_open', { c: p.compartmentId, order: p.orderId, parcel: p.parcels > 1 ? tt('parcel_of', { n: p.parcelNo, m: p.parcels }) : '' });
    r.dataset.compartment = p.compartmentId; $('orderId').value = '';
    await refresh(); poll(p.parcelId);
  } catch (e) { r.className = 'err'; r.textContent = say(e); }
};
async function poll(id) {
  for (let i = 0; i < 600; i++) {
    await new Promise((ok) => setTimeout(ok, 1000));
    const p = await api('GET', '/api/v1/lockers/parcels/' + encodeURIComponent(id)).catch(() => null);
    if (!p || p.status === 'loading') continue;
    $('result').textContent = p.status === 'awaiting_pickup' ? tt('loaded_ok', { order: p.orderId, c: p.compartmentId }) : tt('order_status', { order: p.orderId, status: p.status.replace('_', ' ') });
    await refresh(); return;
  }
}
$('alerts').onclick = async (ev) => {
  const b = ev.target.closest('button[data-ack]'); if (!b) return;
  b.disabled = true;
  try { await api('POST', '/api/v1/alerts/' + b.dataset.ack + '/ack', {}); }
  catch (e) { $('result').className = 'err'; $('result').textContent = say(e); }
  refresh().catch(() => {});
};
$('expected').onchange = (ev) => { const s = ev.target.closest('select'); if (s) chosen[s.closest('tr').dataset.order] = s.value; };
$('expected').onclick = async (ev) => {
  const b = ev.target.closest('button'); if (!b) return;
  const r = $('expectedResult');
  const id = b.dataset.arrived || b.dataset.cancel;
  // cancelling cannot be undone: the first tap arms the button, a second one within 5 s cancels
  if (b.dataset.cancel && armed !== id) {
    armed = id; clearTimeout(disarm); disarm = setTimeout(() => { armed = null; renderExpected(); }, 5000);
    return renderExpected();
  }
  b.disabled = true;
  try {
    if (b.dataset.arrived) {
      const size = b.closest('tr').querySelector('select')?.value || sizes[0];
      const x = await api('POST', '/api/v1/lockers/expected/' + encodeURIComponent(id) + '/arrived', { size });
      r.className = 'ok';
      r.textContent = tt('arrived_ok', { order: x.orderId, c: x.compartmentId, size: x.size, t: clock(x.reservedUntil) });
    } else {
      armed = null; clearTimeout(disarm);
      const had = expectedList.find((x) => x.orderId === id)?.compartmentId;
      await api('POST', '/api/v1/lockers/expected/' + encodeURIComponent(id) + '/cancel');
      r.className = 'ok'; r.textContent = had ? tt('cancelled_freed', { order: id, c: had }) : tt('cancelled_ok', { order: id });
    }
  } catch (e) {
    r.className = 'err';
    r.textContent = tt(b.dataset.arrived ? 'reserve_failed' : 'cancel_failed', { order: id, why: say(e) });
  } finally { b.disabled = false; }
  refresh().catch(() => {});
};
$('grid').onclick = async (ev) => {
  const b = ev.target.closest('button'); if (!b) return;
  try {
    if (b.dataset.reclaim) await api('POST', '/api/v1/lockers/parcels/' + encodeURIComponent(b.dataset.reclaim) + '/reclaim');
    if (b.dataset.cancel) {
      await api('POST', '/api/v1/lockers/parcels/' + encodeURIComponent(b.dataset.cancel) + '/cancel');
      $('result').className = 'ok'; $('result').textContent = tt('load_cancelled', { c: b.closest('.c').dataset.id });
    }
    if (b.dataset.open) await api('POST', '/api/v1/lockers/compartments/' + encodeURIComponent(b.dataset.open) + '/open');
    if (b.dataset.oos) await api('POST', '/api/v1/lockers/compartments/' + encodeURIComponent(b.dataset.oos) + '/service', { outOfService: b.dataset.to === 'true' });
  } catch (e) { $('result').className = 'err'; $('result').textContent = say(e); }
  refresh().catch(() => {});
};
${extrasScript}`;

/**
 * The staff page `/staff/lockers`, inside the shared staff shell (login, staff token), in the store's language or
 * the one chosen (English, German; the words are in i18n/): the load form (scan or type an order id), the expected
 * online orders (mark one arrived to reserve a compartment, or cancel it), the active alerts and the compartments
 * with their state. Plain HTML and vanilla JS; everything it shows comes from /api/v1/lockers, re-read every 5 s.
 */
export const staffPage = (language: Language = 'en') => {
  const m = LOCKERS_STAFF_MESSAGES[language];
  return staffShell({
    title: m.title,
    heading: m.heading,
    language,
    messages: m,
    refreshMs: 5000,
    css: `
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:.6em}
.c{border:2px solid #ccc;border-radius:6px;padding:.5em;font-size:.85em}
.c b{font-size:1.2em}.free{border-color:#2a9d8f}.awaiting_pickup,.loading{border-color:#e9c46a}.expired{border-color:#e76f51}.returned,.returning{border-color:#6a4c93}.reserved{border-color:#457b9d}
.oos{opacity:.5}.fault{background:#ffe5e5}.muted{color:#666}
#result,#expectedResult{font-size:1.2em;font-weight:600}.alert{color:#b00020}
#expected tr.arrived td{background:#eef4fa}#expected td:last-child{white-space:nowrap}`,
    body: `<section>
  <h2>${m.load_title}</h2>
  <form id="loadForm">
    <input id="orderId" placeholder="${m.order_placeholder}" required autofocus>
    <select id="size" aria-label="${m.parcel_size}"><option value="">${m.size_choose}</option></select>
    <button type="submit">${m.open_compartment}</button>
  </form>
  <p id="lookup" aria-live="polite"></p>
  <p id="result" aria-live="polite"></p>
</section>
<section>
  <h2>${m.expected_title}</h2>
  <p id="expectedResult" aria-live="polite"></p>
  <div class="scroll"><table><thead><tr><th>${m.col_order}</th><th>${m.col_product}</th><th>${m.col_garment_size}</th><th>${m.col_status}</th><th>${m.col_compartment}</th><th></th></tr></thead>
  <tbody id="expected"></tbody></table></div>
</section>
<section><h2>${m.alerts_title}</h2><ul id="alerts"></ul></section>
<section><h2>${m.compartments_title}</h2><div id="grid" class="grid"></div></section>
${extrasBody(m)}`,
    script,
  });
};
