import { needsAttention } from './alerts.js';
import { $, ago, api, esc, say, schedule, state } from './core.js';

const fmt = (v, unit = '') => (v === undefined || v === null ? '–' : `${v}${unit}`);

export function deviceState(d) {
  if (!d.enabled) return 'revoked';
  if (state.alerts.has(`device:${d.id}:offline`)) return 'offline';
  if (d.connected) return 'online';
  if (d.status && d.status.online === false) return 'offline';
  return d.lastSeenAt ? 'seen' : 'never seen';
}

export function renderOverview() {
  const list = [...state.devices.values()].filter((d) => d.enabled);
  const online = list.filter((d) => deviceState(d) === 'online');
  $('ovOnline').textContent = online.length;
  $('ovTotal').textContent = list.length;
  const kinds = new Map();
  for (const d of list) {
    const k = kinds.get(d.kind) ?? { on: 0, off: 0 };
    if (deviceState(d) === 'offline') k.off++;
    else k.on++;
    kinds.set(d.kind, k);
  }
  $('ovKinds').textContent = [...kinds].map(([k, v]) => `${k}: ${v.on} up${v.off ? `, ${v.off} offline` : ''}`).join(' · ');
  const open = [...state.alerts.values()];
  const attention = open.filter(needsAttention);
  $('ovAlerts').textContent = attention.length;
  const critical = attention.filter((a) => a.severity === 'critical').length;
  const quiet = open.length - attention.length;
  $('ovCritical').textContent = [critical ? `${critical} critical` : '', quiet ? `${quiet} acknowledged or muted` : ''].filter(Boolean).join(' · ');
  const s = state.lastSample;
  $('ovRate').textContent = s ? s.ingestRate : '–';
  $('ovIngestTotal').textContent = state.ingestTotal;
  $('ovBacklog').textContent = s ? s.backlog : '–';
}

export function renderDevices() {
  const rows = [...state.devices.values()].sort((a, b) => a.enabled - b.enabled || a.id.localeCompare(b.id)).reverse();
  $('devices').innerHTML = rows
    .map((d) => {
      const st = deviceState(d);
      const s = d.status ?? {};
      const fw = s.firmware ? esc(s.firmware) + (s.config ? ` <span class="muted" title="${esc(JSON.stringify(s.config))}">cfg</span>` : '') : '–';
      return `<tr data-device="${esc(d.id)}"><th scope="row">${esc(d.id)}</th><td>${esc(d.kind)}</td><td>${esc(d.zone ?? '')}</td>
        <td class="state state-${esc(st.replace(' ', '-'))}">${esc(st)}</td><td>${d.lastSeenAt ? `${ago(Date.parse(d.lastSeenAt))} ago` : '–'}</td>
        <td>${fw}</td><td>${fmt(s.batteryPct, '%')}</td><td>${fmt(s.rssi, ' dBm')}</td>
        <td><button type="button" class="secondary" data-log="${esc(d.id)}">Messages</button> <button type="button" class="secondary" data-selftest="${esc(d.id)}">Self-test</button>${
          d.kind === 'mirror' ? ` <a href="/mirror/${encodeURIComponent(d.id)}" target="_blank" rel="noopener">Mirror page</a>` : ''
        }${d.enabled ? ` <button type="button" class="danger" data-revoke="${esc(d.id)}">Revoke</button>` : ''}</td></tr>`;
    })
    .join('');
}

function renderLog() {
  $('log').innerHTML = state.log
    .map((m) => `<li><time>${esc(m.time)}</time> <b>${esc(m.type)}</b> ${esc(m.channel ?? '')} ${esc(JSON.stringify(m.data))}</li>`)
    .join('');
}

async function openLog(id) {
  state.logDevice = id;
  $('logFor').textContent = id;
  $('logBox').hidden = false;
  state.log = (await api('GET', `/api/v1/dashboard/devices/${encodeURIComponent(id)}/log`)).messages;
  state.logLimit = Math.max(state.logLimit, state.log.length);
  renderLog();
  $('logClose').focus();
}

const changed = () => {
  schedule('devices', renderDevices);
  schedule('overview', renderOverview);
};

export function onDevicePatch(p) {
  const d = state.devices.get(p.id);
  if (!d) {
    state.devices.set(p.id, { id: p.id, kind: p.kind, zone: null, enabled: true, connected: !!p.connected, lastSeenAt: p.lastSeenAt ?? null, status: null });
    // the registry knows the zone: fetch it once
    api('GET', '/api/v1/devices').then(({ devices }) => {
      for (const r of devices) if (state.devices.has(r.id)) Object.assign(state.devices.get(r.id), { zone: r.zone, enabled: r.enabled });
      changed();
    });
  }
  const t = state.devices.get(p.id);
  if (p.connected !== undefined) t.connected = p.connected;
  if (p.lastSeenAt) t.lastSeenAt = p.lastSeenAt;
  if (p.online !== undefined) {
    const { id: _id, kind: _kind, connected: _c, lastSeenAt: _l, ...status } = p;
    t.status = { ...(t.status ?? {}), ...status };
  }
  changed();
}

export function onDeviceEvent(e) {
  const d = state.devices.get(e.deviceId);
  if (d) d.lastSeenAt = e.time;
  state.ingestTotal++;
  if (state.logDevice === e.deviceId) {
    state.log.unshift({ time: e.time, type: e.type, data: e.data });
    state.log.length = Math.min(state.log.length, state.logLimit);
    schedule('log', renderLog);
  }
  changed();
}

export function initDevices() {
  $('devices').addEventListener('click', async (ev) => {
    const b = ev.target.closest('button');
    if (!b) return;
    if (b.dataset.log) return openLog(b.dataset.log);
    if (b.dataset.selftest) {
      const id = b.dataset.selftest;
      try {
        const r = await api('POST', `/api/v1/devices/${encodeURIComponent(id)}/selftest`);
        say(`Self-test of ${id}: ${r.ok ? 'passed' : 'FAILED'} in ${r.latencyMs} ms (${esc(JSON.stringify(r.result))}).`, !r.ok);
      } catch (e) {
        say(`Self-test of ${id} failed: ${e.message}`, true);
      }
      return;
    }
    if (b.dataset.revoke && b.dataset.confirm !== 'yes') {
      b.dataset.confirm = 'yes';
      b.textContent = `Confirm revoke ${b.dataset.revoke}`;
      return;
    }
    if (b.dataset.revoke) {
      const id = b.dataset.revoke;
      try {
        await api('DELETE', `/api/v1/devices/${encodeURIComponent(id)}`);
        Object.assign(state.devices.get(id) ?? {}, { enabled: false, connected: false });
        say(`Device ${id} revoked and disconnected.`);
        changed();
      } catch (e) {
        say(`Revoking ${id} failed: ${e.message}`, true);
      }
    }
  });
  $('logClose').addEventListener('click', () => {
    state.logDevice = null;
    $('logBox').hidden = true;
  });
  $('addForm').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { id: $('addId').value.trim(), kind: $('addKind').value.trim() };
    if ($('addZone').value.trim()) body.zone = $('addZone').value.trim();
    try {
      const { device, secret, broker } = await api('POST', '/api/v1/devices', body);
      // an external broker without a provisioning API: store IT must add the device there by hand
      if (broker?.instructions) say(broker.instructions, true);
      state.devices.set(device.id, { ...device, status: null });
      $('secretFor').textContent = device.id;
      $('secret').textContent = secret;
      $('secretBox').hidden = false;
      $('addForm').reset();
      $('secretDone').focus();
      changed();
    } catch (e) {
      say(`Adding ${body.id} failed: ${e.message}`, true);
    }
  });
  $('secretDone').addEventListener('click', () => {
    $('secret').textContent = '';
    $('secretBox').hidden = true;
  });
}
