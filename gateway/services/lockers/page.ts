import { staffShell } from '../../http/staff-shell.ts';
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
      ? '<b>' + text(x.compartmentId) + '</b> reserved until ' + text(clock(x.reservedUntil))
      : '<label>size <select aria-label="compartment size for order ' + id + '">' +
        sizes.map((s) => '<option value="' + text(s) + '"' + (s === pick ? ' selected' : '') + '>' + text(s) + '</option>').join('') + '</select></label>';
    const arrive = x.status === 'expected' ? '<button data-arrived="' + id + '">Arrived</button>' : '';
    const cancel = armed === x.orderId
      ? '<button class="danger" data-cancel="' + id + '">Tap again to cancel</button>'
      : '<button class="secondary" data-cancel="' + id + '">Cancel</button>';
    return '<tr data-order="' + id + '" class="' + text(x.status) + '"><td>' + id + '</td><td>' + text(x.sku) + '</td><td>' + text(x.size) + '</td><td>' +
      text(x.status === 'arrived' ? 'arrived: load it' : x.status) + '</td><td>' + where + '</td><td>' + arrive + cancel + '</td></tr>';
  }).join('') : '<tr><td colspan="6">No online orders expected.</td></tr>';
  // re-rendering an unchanged list would reset a size staff just picked (or close its open menu)
  if (html !== shownExpected) { $('expected').innerHTML = html; shownExpected = html; }
}
async function refresh() {
  const [{ controllers, compartments, alerts }, waiting, arrived] = await Promise.all([
    api('GET', '/api/v1/lockers'), api('GET', '/api/v1/lockers/expected?status=expected'), api('GET', '/api/v1/lockers/expected?status=arrived'),
  ]);
  const offline = controllers.filter((c) => !c.online).map((c) => ({ message: 'Locker controller ' + c.id + ' is offline: its doors cannot be opened' }));
  alerts.unshift(...offline);
  const known = [...new Set(compartments.map((c) => c.size))].sort((a, b) => rank(a) - rank(b));
  if (known.length) sizes = known;
  if ($('size').options.length === 1) for (const s of sizes) $('size').add(new Option(s, s));
  expectedList = [...waiting.expected, ...arrived.expected].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.orderId.localeCompare(b.orderId));
  const reservedFor = Object.fromEntries(arrived.expected.filter((x) => x.compartmentId).map((x) => [x.compartmentId, x.orderId]));
  renderExpected();
  await refreshExtras();
  $('alerts').innerHTML = alerts.length ? alerts.map((a) => '<li class="alert">' + text(a.message) + '</li>').join('') : '<li>none</li>';
  $('grid').innerHTML = compartments.map((c) =>
    '<div class="c ' + text(c.state) + (c.outOfService ? ' oos' : '') + (c.fault ? ' fault' : '') + '" data-id="' + text(c.id) + '">' +
    '<b>' + text(c.id) + '</b> ' + text(c.size) + '<br>' + text(c.state.replace('_', ' ')) + (c.pending ? ' · ' + text(c.pending) + '…' : '') +
    '<br>door ' + text(c.door) + (c.fault ? ' · ' + text(c.fault) : '') + (c.outOfService ? '<br>out of service' : '') +
    (c.parcel ? '<br>order ' + text(c.parcel.orderId) : '') +
    (c.state === 'reserved' && reservedFor[c.id] ? '<br>for order ' + text(reservedFor[c.id]) : '') +
    (c.state === 'expired' && c.parcel ? '<br><button data-reclaim="' + text(c.parcel.id) + '">Reclaim</button>' : '') +
    (c.state === 'loading' && c.pending === 'load' && c.parcel && c.door !== 'open' ? '<br><button class="danger" data-cancel="' + text(c.parcel.id) + '">Cancel load</button>' : '') +
    (c.fault === 'check' ? '<br><b>check this door</b>' : '') +
    (c.state === 'returned' ? '<br><button data-open="' + text(c.id) + '">Collect return</button>' : '') +
    '<br><button class="secondary" data-oos="' + text(c.id) + '" data-to="' + (!c.outOfService) + '">' + (c.outOfService ? 'Back in service' : 'Out of service') + '</button>' +
    '</div>').join('');
}
$('loadForm').onsubmit = async (ev) => {
  ev.preventDefault(); const r = $('result'); r.className = '';
  try {
    const body = { orderId: $('orderId').value.trim(), ...($('size').value ? { size: $('size').value } : {}) };
    const p = await api('POST', '/api/v1/lockers/parcels', body);
    r.textContent = 'Compartment ' + p.compartmentId + ' is open: put order ' + p.orderId + (p.parcels > 1 ? ' (parcel ' + p.parcelNo + ' of ' + p.parcels + ')' : '') + ' in and close the door.';
    r.dataset.compartment = p.compartmentId; $('orderId').value = '';
    await refresh(); poll(p.parcelId);
  } catch (e) { r.className = 'err'; r.textContent = say(e); }
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
      r.textContent = 'Order ' + x.orderId + ' arrived: compartment ' + x.compartmentId + ' (' + x.size + ') is reserved for it until ' + clock(x.reservedUntil) + '. Load it with "Load an order".';
    } else {
      armed = null; clearTimeout(disarm);
      const had = expectedList.find((x) => x.orderId === id)?.compartmentId;
      await api('POST', '/api/v1/lockers/expected/' + encodeURIComponent(id) + '/cancel');
      r.className = 'ok'; r.textContent = 'Order ' + id + ' cancelled' + (had ? '; compartment ' + had + ' is free again.' : '.');
    }
  } catch (e) {
    r.className = 'err';
    r.textContent = (b.dataset.arrived ? 'Could not reserve a compartment for order ' : 'Could not cancel order ') + id + ': ' + say(e);
  } finally { b.disabled = false; }
  refresh().catch(() => {});
};
$('grid').onclick = async (ev) => {
  const b = ev.target.closest('button'); if (!b) return;
  try {
    if (b.dataset.reclaim) await api('POST', '/api/v1/lockers/parcels/' + encodeURIComponent(b.dataset.reclaim) + '/reclaim');
    if (b.dataset.cancel) {
      await api('POST', '/api/v1/lockers/parcels/' + encodeURIComponent(b.dataset.cancel) + '/cancel');
      $('result').className = 'ok'; $('result').textContent = 'Load cancelled: compartment ' + b.closest('.c').dataset.id + ' is free again.';
    }
    if (b.dataset.open) await api('POST', '/api/v1/lockers/compartments/' + encodeURIComponent(b.dataset.open) + '/open');
    if (b.dataset.oos) await api('POST', '/api/v1/lockers/compartments/' + encodeURIComponent(b.dataset.oos) + '/service', { outOfService: b.dataset.to === 'true' });
  } catch (e) { $('result').className = 'err'; $('result').textContent = say(e); }
  refresh().catch(() => {});
};
${extrasScript}`;

/**
 * The staff page `/staff/lockers`, inside the shared staff shell (login, staff token): the load form (scan or type
 * an order id), the expected online orders (mark one arrived to reserve a compartment, or cancel it), the active
 * alerts and the compartments with their state. Plain HTML and vanilla JS; everything it shows comes from
 * /api/v1/lockers, re-read every 5 s.
 */
export const staffPage = () =>
  staffShell({
    title: 'Lockers',
    heading: 'parcel lockers',
    refreshMs: 5000,
    css: `
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:.6em}
.c{border:2px solid #ccc;border-radius:6px;padding:.5em;font-size:.85em}
.c b{font-size:1.2em}.free{border-color:#2a9d8f}.awaiting_pickup,.loading{border-color:#e9c46a}.expired{border-color:#e76f51}.returned,.returning{border-color:#6a4c93}.reserved{border-color:#457b9d}
.oos{opacity:.5}.fault{background:#ffe5e5}.muted{color:#666}
#result,#expectedResult{font-size:1.2em;font-weight:600}.alert{color:#b00020}
#expected tr.arrived td{background:#eef4fa}#expected td:last-child{white-space:nowrap}`,
    body: `<section>
  <h2>Load an order</h2>
  <form id="loadForm">
    <input id="orderId" placeholder="scan or type the order id" required autofocus>
    <select id="size" aria-label="parcel size"><option value="">size…</option></select>
    <button type="submit">Open a compartment</button>
  </form>
  <p id="lookup" aria-live="polite"></p>
  <p id="result" aria-live="polite"></p>
</section>
<section>
  <h2>Expected online orders</h2>
  <p id="expectedResult" aria-live="polite"></p>
  <div class="scroll"><table><thead><tr><th>Order</th><th>Product</th><th>Garment size</th><th>Status</th><th>Compartment</th><th></th></tr></thead>
  <tbody id="expected"></tbody></table></div>
</section>
<section><h2>Alerts</h2><ul id="alerts"></ul></section>
<section><h2>Compartments</h2><div id="grid" class="grid"></div></section>
${extrasBody}`,
    script,
  });
