import type { LockersStaffMessages } from './i18n/staff.en.ts';

/**
 * The staff page's season tools (#22), kept apart from the load form and grid in page.ts: the lookup of a scanned
 * order (expected or not, parcels, proposed size), the "to reclaim" list, and returns at the service desk (keep it
 * or take it, and the offer to read out with the shopper's answer). Plain script inside the staff shell.
 */
export const extrasBody = (m: LockersStaffMessages) => `<section>
  <h2>${m.reclaim_title}</h2>
  <p class="muted">${m.reclaim_hint}</p>
  <ul id="reclaim"></ul>
</section>
<section>
  <h2>${m.desk_title}</h2>
  <form id="deskForm">
    <input id="deskQr" placeholder="${m.desk_placeholder}" required autocomplete="off">
    <button type="submit">${m.desk_check}</button>
  </form>
  <div id="deskResult" aria-live="polite"></div>
</section>`;

export const extrasScript = `
async function refreshExtras() {
  const { parcels } = await api('GET', '/api/v1/lockers/reclaim');
  $('reclaim').innerHTML = parcels.length
    ? parcels.map((p) => '<li data-parcel="' + text(p.parcelId) + '">' +
        tt('reclaim_item', { order: '<b>' + text(p.orderId) + '</b>', c: '<b>' + text(p.compartmentId) + '</b>', t: text(clock(p.expiredAt)) }) +
        ' <button data-reclaim="' + text(p.parcelId) + '">' + text(T.reclaim) + '</button></li>').join('')
    : '<li>' + text(T.reclaim_none) + '</li>';
}
$('reclaim').onclick = async (ev) => {
  const b = ev.target.closest('button'); if (!b) return;
  b.disabled = true;
  try {
    const r = await api('POST', '/api/v1/lockers/parcels/' + encodeURIComponent(b.dataset.reclaim) + '/reclaim');
    $('result').className = 'ok'; $('result').textContent = tt('reclaim_open', { c: r.compartmentId });
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
      ? tt('lookup_expected', { n: o.parcels }) + (o.inLockers.length ? tt('lookup_in', { n: o.inLockers.filter((p) => p.status !== 'load_failed').length }) : '') +
        (o.proposedSize ? tt('lookup_size', { size: o.proposedSize }) : '') + (o.accessibility === 'low' ? T.lookup_low : '')
      : T.lookup_unknown;
  } catch (e) { r.className = 'err'; r.textContent = say(e); }
});
$('deskForm').onsubmit = async (ev) => {
  ev.preventDefault(); const out = $('deskResult');
  try {
    const r = await api('POST', '/api/v1/lockers/returns/desk', { qr: $('deskQr').value.trim() });
    $('deskQr').value = '';
    out.innerHTML = '<p class="ok" id="deskDecision">' + text(r.keepIt ? T.desk_keep : T.desk_take) + '</p>' +
      '<p>' + text(tt('desk_return', { id: r.returnId, category: r.category, reason: r.reason, decision: r.decision })) + '</p>' +
      (r.offer ? '<p id="deskOffer">' + tt('offer_read', { offer: '<b>' + text(r.offer.text) + '</b>', rule: '<small>' + text(tt('offer_rule', { rule: r.offer.rule })) + '</small>' }) + ' ' +
        '<button data-offer="' + text(r.offer.offerId) + '" data-answer="accept">' + text(T.accepted) + '</button><button class="secondary" data-offer="' + text(r.offer.offerId) + '" data-answer="decline">' + text(T.declined) + '</button></p>' : '');
  } catch (e) { out.innerHTML = '<p class="err">' + text(say(e)) + '</p>'; }
};
$('deskResult').onclick = async (ev) => {
  const b = ev.target.closest('button'); if (!b) return;
  try {
    await api('POST', '/api/v1/lockers/incentives/' + encodeURIComponent(b.dataset.offer) + '/' + b.dataset.answer);
    $('deskOffer').textContent = b.dataset.answer === 'accept' ? T.offer_accepted : T.offer_declined;
  } catch (e) { $('deskOffer').textContent = say(e); }
};`;
