import { $, ago, api, esc, say, schedule, state } from './core.js';

/**
 * Alerts people act on: open alerts in groups per device kind and zone (a group expands to its members),
 * acknowledge with a note, mute a group or one alert for a while, unmute. The list is the health service's
 * (`GET /api/v1/alerts`: open, groups, mutes, recent); the live stream says when it changed.
 *
 * "Needs attention" (the badge on the Alerts link, the overview card, the tab title) counts open alerts that are
 * neither acknowledged nor muted: a muted alert is listed, marked, and does not raise the badge.
 */
const time = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
export const needsAttention = (a) => a.ackedAt === null && a.muteId === null;

export async function loadAlerts() {
  const r = await api('GET', '/api/v1/alerts?limit=50');
  state.alerts = new Map(r.open.map((a) => [a.key, a]));
  state.groups = r.groups;
  state.mutes = r.mutes;
  state.resolved = r.recent.filter((a) => a.resolvedAt !== null);
  renderAlerts();
}

function member(a) {
  const ack =
    a.ackedAt !== null
      ? `<span class="ack">acknowledged by <b>${esc(a.ackedName)}</b> <span class="muted">(${esc(a.ackedBy)}, ${time(a.ackedAt)})</span>${a.ackNote ? `: ${esc(a.ackNote)}` : ''}</span>`
      : `<form class="ackForm" data-ack="${a.id}"><input name="note" maxlength="500" placeholder="note (optional)" aria-label="note for ${esc(a.key)}"> <button type="submit">Acknowledge</button></form>`;
  const mute = state.mutes.find((m) => m.id === a.muteId);
  const muted = a.muteId !== null ? ` <span class="pill muted-pill">muted${mute ? ` until ${time(mute.until)}` : ''}</span>` : '';
  return `<li class="${esc(a.severity)}${a.muteId !== null ? ' is-muted' : ''}${a.ackedAt !== null ? ' is-acked' : ''}" data-key="${esc(a.key)}" data-id="${a.id}">
    <b>${esc(a.severity)}</b> ${esc(a.message)}${muted} <span class="muted">· ${esc(a.deviceId)} · open for ${ago(a.raisedAt)}</span>
    <button type="button" class="secondary" data-mute-key="${esc(a.key)}">Mute</button><br>${ack}</li>`;
}

export function renderAlerts() {
  const open = [...state.alerts.values()];
  const byId = new Map(open.map((a) => [a.id, a]));
  const attention = open.filter(needsAttention).length;
  $('alertBadge').textContent = attention ? String(attention) : '';
  document.title = `${attention ? `(${attention}) ` : ''}storegate · store IT`;
  $('alerts').innerHTML = state.groups.length
    ? state.groups
        .map((g) => {
          const members = g.members.map((id) => byId.get(id)).filter(Boolean);
          const opened = g.count === 1 || state.openGroups.has(g.id);
          return `<li class="group ${esc(g.severity)}" data-group="${esc(g.id)}"><details${opened ? ' open' : ''}><summary><b>${esc(g.title)}</b>
            <span class="count">${g.count}</span>${g.attention < g.count ? ` <span class="muted">${g.count - g.attention} acknowledged or muted</span>` : ''}
            <button type="button" class="secondary" data-mute-kind="${esc(g.kind)}" data-mute-zone="${esc(g.zone ?? '')}">Mute group</button></summary>
            <ul class="alerts">${members.map(member).join('')}</ul></details></li>`;
        })
        .join('')
    : '<li class="info">No open alerts</li>';
  $('mutes').innerHTML = state.mutes
    .map(
      (m) =>
        `<li data-mute="${m.id}">Muted: ${esc(m.key ? `alert ${m.key}` : [m.kind ? `${m.kind} devices` : 'all devices', m.zone ? `in zone ${m.zone}` : ''].join(' '))} until ${time(m.until)} by ${esc(m.byName)}${m.note ? ` (${esc(m.note)})` : ''} <button type="button" class="secondary" data-unmute="${m.id}">Unmute</button></li>`,
    )
    .join('');
  $('resolved').innerHTML = state.resolved
    .slice(0, 20)
    .map((a) => `<li class="info" data-resolved="${esc(a.key)}">${esc(a.message)} <span class="muted">· resolved ${ago(a.resolvedAt)} ago</span></li>`)
    .join('');
}

/** a live change: the row at once (device states read it), the groups from the server shortly after */
export function onAlert(a) {
  if (a.state === 'resolved') {
    state.alerts.delete(a.key);
    state.resolved.unshift(a);
  } else {
    const isNew = !state.alerts.has(a.key);
    state.alerts.set(a.key, a);
    if (isNew && needsAttention(a)) state.notified++;
  }
  schedule('alerts', () => loadAlerts().catch((e) => say(`Alerts: ${e.message}`, true)), 150);
}

async function act(what, fn) {
  try {
    await fn();
    await loadAlerts();
  } catch (e) {
    say(`${what} failed: ${e.message}`, true);
  }
}

export function initAlerts() {
  $('alerts').addEventListener(
    'toggle',
    (ev) => {
      const g = ev.target.closest('[data-group]')?.dataset.group;
      if (g && ev.target.open) state.openGroups.add(g);
      else if (g) state.openGroups.delete(g);
    },
    true,
  );
  $('alerts').addEventListener('submit', (ev) => {
    const f = ev.target.closest('form[data-ack]');
    if (!f) return;
    ev.preventDefault();
    const note = f.elements.note.value.trim();
    act('Acknowledging', () => api('POST', `/api/v1/alerts/${f.dataset.ack}/ack`, note ? { note } : {}));
  });
  $('alerts').addEventListener('click', (ev) => {
    const b = ev.target.closest('button');
    if (!b || b.type === 'submit') return;
    const minutes = Number($('muteMinutes').value);
    if (b.dataset.muteKey) act('Muting', () => api('POST', '/api/v1/alerts/mutes', { key: b.dataset.muteKey, minutes }));
    if (b.dataset.muteKind) {
      ev.preventDefault(); // inside <summary>: do not toggle the group
      const body = { kind: b.dataset.muteKind, minutes, ...(b.dataset.muteZone ? { zone: b.dataset.muteZone } : {}) };
      act('Muting', () => api('POST', '/api/v1/alerts/mutes', body));
    }
  });
  $('mutes').addEventListener('click', (ev) => {
    const id = ev.target.closest('button[data-unmute]')?.dataset.unmute;
    if (id) act('Unmuting', () => api('DELETE', `/api/v1/alerts/mutes/${id}`));
  });
}
