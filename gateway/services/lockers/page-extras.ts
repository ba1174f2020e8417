/**
 * The staff page's season tools (#22), kept apart from the load form and grid in page.ts: the lookup of a scanned
 * order (expected or not, parcels, proposed size), the "to reclaim" list, and returns at the service desk (keep it
 * or take it, and the offer to read out with the shopper's answer). Plain script inside the staff shell.
 */
export const extrasBody = `<section>
  <h2>To reclaim</h2>
  <p class="muted">Parcels whose pickup window ended: take them back out for the returns shelf.</p>
  <ul id="reclaim"></ul>
</section>
<section>
  <h2>Return at the desk</h2>
  <form id="deskForm">
    <input id="deskQr" placeholder="scan the shopper's return QR" required autocomplete="off">
    <button type="submit">Check return</button>
  </form>
  <div id="deskResult" aria-live="polite"></div>
</section>`;

export const extrasScript = `
async function refreshExtras() {
  const { parcels } = await api('GET', '/api/v1/lockers/reclaim');
  $('reclaim').innerHTML = parcels.length
    ? parcels.map((p) => '<li data-parcel="' + text(p.parcelId) + '">order <b>' + text(p.orderId) + '</b> in <b>' + text(p.compartmentId) + '</b> since ' +
        text(clock(p.expiredAt)) + ' <button data-reclaim="' + text(p.parcelId) + '">Reclaim</button></li>').join('')
    : '<li>nothing to reclaim</li>';
}
$('reclaim').onclick = async (ev) => {
  const b = ev.target.closest('button'); if (!b) return;
  b.disabled = true;
  try {
    const r = await api('POST', '/api/v1/lockers/parcels/' + encodeURIComponent(b.dataset.reclaim) + '/reclaim');
    $('result').className = 'ok'; $('result').textContent = 'Compartment ' + r.compartmentId + ' is open: take the parcel out and close the door.';
  } catch (e) { $('result').className = 'err'; $('result').textContent = say(e); }
  refresh().catch(() => {});
};
// a scanned order id: say whether it is expected, how many parcels, and preselect the proposed size
$('orderId').addEventListener('change', async () => {
  const id = $('orderId').value.trim(); const r = $('lookup'); if (!id) return void (r.textContent = '');
  try {
    const o = await api('GET', '/api/v1/lockers/orders/' + encodeURIComponent(id));
    if (o.proposedSize && [...$('size').options].some((x) => x.value === o.proposedSize)) $('size').value = o.proposedSize;
    r.className = o.known ? 'ok' : 'err';
    r.textContent = o.known
      ? 'Expected: ' + o.parcels + ' parcel(s)' + (o.inLockers.length ? ', ' + o.inLockers.filter((p) => p.status !== 'load_failed').length + ' already in' : '') +
        (o.proposedSize ? '; size ' + o.proposedSize + ' proposed' : '') + (o.accessibility === 'low' ? '; low compartment requested' : '')
      : 'Not an order expected here: check the label before loading.';
  } catch (e) { r.className = 'err'; r.textContent = say(e); }
});
$('deskForm').onsubmit = async (ev) => {
  ev.preventDefault(); const out = $('deskResult');
  try {
    const r = await api('POST', '/api/v1/lockers/returns/desk', { qr: $('deskQr').value.trim() });
    $('deskQr').value = '';
    out.innerHTML = '<p class="ok" id="deskDecision">' + (r.keepIt ? 'Keep it: the shopper keeps the item; the refund starts now.' : 'Take the item back for the returns shelf.') + '</p>' +
      '<p>Return ' + text(r.returnId) + ' (' + text(r.category) + ', ' + text(r.reason) + '): ' + text(r.decision) + '</p>' +
      (r.offer ? '<p id="deskOffer">Offer to read out: <b>' + text(r.offer.text) + '</b> <small>(rule ' + text(r.offer.rule) + ')</small> ' +
        '<button data-offer="' + text(r.offer.offerId) + '" data-answer="accept">Accepted</button><button class="secondary" data-offer="' + text(r.offer.offerId) + '" data-answer="decline">Declined</button></p>' : '');
  } catch (e) { out.innerHTML = '<p class="err">' + text(say(e)) + '</p>'; }
};
$('deskResult').onclick = async (ev) => {
  const b = ev.target.closest('button'); if (!b) return;
  try {
    await api('POST', '/api/v1/lockers/incentives/' + encodeURIComponent(b.dataset.offer) + '/' + b.dataset.answer);
    $('deskOffer').textContent = b.dataset.answer === 'accept' ? 'Offer accepted: it is on the shopper\\'s account.' : 'Offer declined.';
  } catch (e) { $('deskOffer').textContent = say(e); }
};`;
