import { $, ApiError, api, esc, say, state } from './core.js';

// Panels from other capabilities' own APIs. A capability that is not installed answers 404: say so.
async function panel(el, url, render) {
  try {
    render(await api('GET', url));
  } catch (e) {
    $(el).innerHTML = `<p class="muted">${e instanceof ApiError && e.status === 404 ? 'Not installed on this gateway.' : `Unavailable: ${esc(e.message)}`}</p>`;
  }
}

function lockers() {
  return panel('lockers', '/api/v1/lockers', ({ compartments }) => {
    $('lockers').innerHTML = compartments.length
      ? compartments
          .map(
            (c) =>
              `<div class="c ${esc(c.state)}${c.outOfService ? ' oos' : ''}${c.fault ? ' fault' : ''}" data-compartment="${esc(c.id)}">` +
              `<b>${esc(c.id)}</b> ${esc(c.size)} · bank ${esc(c.bankId)}<br>${esc(c.state.replace('_', ' '))}${c.pending ? ` · ${esc(c.pending)}…` : ''}` +
              `<br>door ${esc(c.door)}${c.fault ? ` · ${esc(c.fault)}` : ''}${c.outOfService ? '<br>out of service' : ''}` +
              `<br><button type="button" data-open="${esc(c.id)}">Open door</button>` +
              ` <button type="button" class="secondary" data-oos="${esc(c.id)}" data-to="${!c.outOfService}">${c.outOfService ? 'In service' : 'Out of service'}</button></div>`,
          )
          .join('')
      : '<p class="muted">No locker banks configured.</p>';
    return Promise.all([audit(), offers()]);
  });
}

// per return offer: how often shown, accepted and redeemed (the rule set's outcomes), with the rates over shown
async function offers() {
  const { offers: rows } = await api('GET', '/api/v1/lockers/incentives/conversion');
  const pct = (x) => `${Math.round(x * 100)}%`;
  $('offerConversion').innerHTML = rows.length
    ? '<thead><tr><th scope="col">Offer</th><th scope="col">Shown</th><th scope="col">Accepted</th><th scope="col">Redeemed</th></tr></thead><tbody>' +
      rows
        .map(
          (o) =>
            `<tr data-offer="${esc(o.offer)}"><td>${esc(o.text ?? o.offer)}</td><td>${o.shown}</td><td>${o.accepted} (${pct(o.acceptedRate)})</td>` +
            `<td>${o.redeemed} (${pct(o.redeemedRate)})</td></tr>`,
        )
        .join('') +
      '</tbody>'
    : '<tbody><tr><td class="muted">No return offers shown yet.</td></tr></tbody>';
}

async function audit() {
  const { audit: rows } = await api('GET', '/api/v1/lockers/audit?limit=10');
  $('lockerAudit').innerHTML = rows
    .map((r) => `<li><time>${esc(new Date(r.at).toISOString())}</time> ${esc(r.action)} ${esc(r.compartmentId ?? '')} by ${esc(r.actor)}</li>`)
    .join('');
}

function presence() {
  return panel('zones', '/api/v1/presence', ({ zones, openSessions }) => {
    $('zones').innerHTML =
      zones.map((z) => `<div class="c" data-zone="${esc(z.name)}"><b>${esc(z.name)}</b><br><span class="big">${z.shoppers}</span> shoppers</div>`).join('') +
      `<div class="c"><b>Sessions</b><br><span class="big">${openSessions}</span> open</div>`;
    return api('GET', '/api/v1/beacons').then(({ beacons }) => {
      const bad = beacons.filter((b) => b.missing || b.batteryLow);
      $('beacons').textContent = `${beacons.length} fixed beacons${bad.length ? `; attention: ${bad.map((b) => b.id).join(', ')}` : ', all heard'}`;
    });
  });
}

const slotLine = (slot, m) =>
  `<li data-slot="${slot}"><b>${slot}</b> ${m ? `${esc(m.id)} · ${esc(m.version ?? 'configured')}` : '—'}` +
  `${m && slot === 'shadow' ? ` · agreement ${m.agreement == null ? '—' : `${(m.agreement * 100).toFixed(1)} %`} over ${m.shadowFrames} frames` : ''}</li>`;

function model() {
  return panel('model', '/api/v1/recognition/status', async (m) => {
    // live / shadow / previous and the rollout history: the admin API of model ops
    const ops = await api('GET', '/api/v1/recognition/models').catch(() => null);
    const history = (ops?.history ?? []).slice(0, 5);
    $('model').innerHTML =
      `<p>Model <b>${esc(m.modelId ?? 'not loaded')}</b> · ${m.ready ? 'ready' : 'not ready'} · ${m.frames} frames · ${m.queued} queued` +
      ` · unsure below ${esc(m.config?.unsureThreshold)}</p>` +
      (ops ? `<ul id="modelSlots">${slotLine('live', ops.live)}${slotLine('shadow', ops.shadow)}${slotLine('previous', ops.previous)}</ul>` : '') +
      (history.length
        ? `<ul id="modelHistory">${history.map((h) => `<li><time>${esc(new Date(h.at).toISOString())}</time> ${esc(h.action)} ${esc(h.version ?? '')} ${esc(h.sha256?.slice(0, 12) ?? '')} ${esc(h.reason ?? '')}</li>`).join('')}</ul>`
        : '') +
      `<p class="muted">${state.model?.meanMs != null ? `mean latency ${state.model.meanMs.toFixed(1)} ms over ${state.model.count} frames · ` : ''}rejected: ${esc(JSON.stringify(m.rejected))}</p>`;
  });
}

function cloud() {
  return panel('cloud', '/api/v1/outbox', (o) => {
    state.outbox = o;
    const fw = o.forwarders.length
      ? o.forwarders
          .map(
            (f) =>
              `<li>${esc(f.name)} (${esc(f.kind)}): <b>${esc(f.state)}</b>${f.downSince ? ` since ${esc(f.downSince)}` : ''} · ${f.pending} pending · ${f.sendRate}/s</li>`,
          )
          .join('')
      : '<li>No cloud forwarders configured.</li>';
    $('cloud').innerHTML =
      `<p>Backlog ${o.backlog.events} events (${Math.round(o.backlog.bytes / 1024)} KiB), oldest ${Math.round(o.backlog.oldestAgeSeconds)} s · ${o.deadLetters} dead letters</p><ul>${fw}</ul>`;
    $('ovCloud').textContent = o.forwarders.map((f) => `${f.name}: ${f.state}`).join(' · ') || 'no cloud configured';
  });
}

function fitting() {
  return panel('fitting', '/api/v1/fitting/rooms', ({ open }) => {
    $('fitting').innerHTML = open.length
      ? open
          .map(
            (r) =>
              `<div class="c"><b>${esc(r.zone ?? r.mirrorId)}</b><br>occupied since ${esc(new Date(r.startedAt).toLocaleTimeString())}<br><span class="muted">${esc(r.mirrorId)}</span></div>`,
          )
          .join('')
      : '<p class="muted">All fitting rooms free.</p>';
    return api('GET', '/api/v1/fitting/size-requests').then(({ requests }) => {
      $('sizeRequests').innerHTML = requests.length
        ? `<ul>${requests.map((q) => `<li>${esc(q.productName ?? q.productId)} in ${esc(q.size)} to ${esc(q.zone ?? q.mirrorId)}: <b>${esc(q.status)}</b></li>`).join('')}</ul>`
        : '<p class="muted">No open size requests.</p>';
    });
  });
}

// whole seconds, minutes or hours: how old a stream or the stock is, at a glance
const ago = (s) => (s == null ? '—' : s < 120 ? `${Math.round(s)} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`);

// the cloud downlink: how current the store's stock is (stale = suggestions say "stock as of …"), and each stream's position
function downlink() {
  return panel('downlink', '/api/v1/downlink', (d) => {
    const now = Date.now();
    const asOf = d.stock.asOf ? new Date(d.stock.asOf) : null;
    const stock = asOf
      ? `<p id="stockAge" class="${d.stock.stale ? 'stale' : 'fresh'}" data-stale="${d.stock.stale}">Stock as of <time datetime="${esc(d.stock.asOf)}">${esc(asOf.toLocaleString())}</time>` +
        ` (${ago(d.stock.ageSeconds)})${d.stock.stale ? ' · <b>stale</b>: the mirrors say “stock as of …”' : ''}</p>`
      : '<p id="stockAge" class="muted" data-stale="false">Stock as in the catalog file (never synced with the cloud).</p>';
    const link = [
      d.mqtt ? `cloud broker ${d.mqtt.connected ? (d.mqtt.subscribed ? 'subscribed' : 'connected') : '<b>down</b>'}` : '',
      d.http ? `feed ${d.http.lastPull ? `${d.http.lastPull.ok ? 'ok' : '<b>failing</b>'} (last pull ${esc(d.http.lastPull.at)})` : 'not pulled yet'}` : '',
    ]
      .filter(Boolean)
      .join(' · ');
    const rows = d.streams
      .map(
        (s) =>
          `<tr data-stream="${esc(s.stream)}"><td>${esc(s.stream)}</td><td>${s.position}</td><td>${s.held ? `<b>${s.held}</b> ahead of a gap` : '0'}</td>` +
          `<td>${s.appliedAt ? `<time datetime="${esc(s.appliedAt)}">${ago((now - Date.parse(s.appliedAt)) / 1000)}</time>` : '—'}</td></tr>`,
      )
      .join('');
    $('downlink').innerHTML =
      stock +
      `<p class="muted">${d.active ? `${d.keys} pinned keys${link ? ` · ${link}` : ''}` : 'No cloud downlink configured (downlink.keys and mqtt or http).'}</p>` +
      (rows
        ? `<table id="downlinkStreams"><caption class="sr">Downlink streams</caption><thead><tr><th scope="col">Stream</th><th scope="col">Position</th><th scope="col">Held</th><th scope="col">Last applied</th></tr></thead><tbody>${rows}</tbody></table>`
        : '<p class="muted">No message from the cloud yet.</p>');
  });
}

const PANELS = { lockers, presence, model, cloud, fitting, downlink };

export const refreshPanel = (name) => PANELS[name]?.();
export const refreshPanels = () => Promise.all(Object.values(PANELS).map((p) => p()));

export function initPanels() {
  $('lockers').addEventListener('click', async (ev) => {
    const b = ev.target.closest('button');
    if (!b) return;
    try {
      if (b.dataset.open) {
        await api('POST', `/api/v1/lockers/compartments/${encodeURIComponent(b.dataset.open)}/open`);
        say(`Door ${b.dataset.open} opened.`);
      } else if (b.dataset.oos) {
        await api('POST', `/api/v1/lockers/compartments/${encodeURIComponent(b.dataset.oos)}/service`, { outOfService: b.dataset.to === 'true' });
        say(`Compartment ${b.dataset.oos} ${b.dataset.to === 'true' ? 'out of' : 'back in'} service.`);
      }
    } catch (e) {
      say(`Locker action failed: ${e.message}`, true);
    }
    await lockers();
  });
  $('restartScan')?.addEventListener('click', async () => {
    try {
      const r = await api('POST', '/api/v1/presence/scanning/restart');
      say(r.restarted ? 'BLE scanning restarted.' : `BLE scanning not restarted: ${r.reason}`, !r.restarted);
    } catch (e) {
      say(`Restart failed: ${e.message}`, true);
    }
  });
  // the backlog and the stock's age also move without bus events
  setInterval(() => cloud(), 10_000);
  setInterval(() => downlink(), 5_000);
}
