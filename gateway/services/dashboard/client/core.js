// Shared state and helpers of the dashboard page (no framework; ES modules served by the gateway).
export const $ = (id) => document.getElementById(id);
export const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]);

export const state = {
  token: localStorage.getItem('sg_token') || '',
  devices: new Map(),
  alerts: new Map(),
  groups: [],
  mutes: [],
  openGroups: new Set(),
  /** new alerts that needed attention since the page loaded (a muted one does not count) */
  notified: 0,
  resolved: [],
  logDevice: null,
  log: [],
  logLimit: 50,
  offlineAfterSeconds: 120,
  ingestTotal: 0,
  lastSample: null,
  outbox: null,
};

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

export async function api(method, url, body) {
  const res = await fetch(url, {
    method,
    // a person logged in with their PIN has no token: their HttpOnly session cookie goes with the request
    headers: { ...(state.token ? { authorization: `Bearer ${state.token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(data.message || res.statusText, res.status);
  return data;
}

/** "12 s", "4 min", "3 h", "2 d" */
export function ago(ms) {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86400)} d`;
}

/** Runs fn at most once per `ms`, on the trailing edge: a burst of 1000 events is one re-render. */
const pending = new Map();
export function schedule(name, fn, ms = 300) {
  if (pending.has(name)) return;
  pending.set(
    name,
    setTimeout(() => {
      pending.delete(name);
      fn();
    }, ms),
  );
}

export function say(text, isError = false) {
  const el = $('actionResult');
  el.textContent = text;
  el.className = isError ? 'result err' : 'result';
}
