import { ConfigError, loadConfig } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import type { Db } from '../../store/db.ts';

/**
 * Signed config patches: which keys the cloud may change, and the check that a patch leaves a valid config. The
 * patch goes through the same loader as a config file (the same TypeBox schema, defaults and messages, secrets
 * masked in them), so a patch the gateway accepts is one it would also start with.
 */

/** a patched key must be one of these or under one (`retention` covers `retention.presenceDays`) */
export const PATCHABLE = [
  'presence.zones',
  'retention',
  'cloud.forwarders',
  'cloud.routes',
  'health',
  'fitting.sizeRequestAlertSeconds',
  'fitting.suggestions',
  'recognition.unsureThreshold',
  'downlink.staleAfterSeconds',
] as const;
/**
 * Keys the gateway applies while running (the services follow `config.patched`: gateway/config/live.ts and the
 * services' own listeners); the others take effect at the next start, and why (README "Downlink contract"):
 * forwarders hold connections and the outbox's per-forwarder queues.
 */
export const LIVE_KEYS = [
  'cloud.routes',
  'downlink.staleAfterSeconds',
  'fitting.sizeRequestAlertSeconds',
  'fitting.suggestions',
  'health',
  'presence.zones',
  'recognition.unsureThreshold',
  'retention',
];

const allowed = (key: string) => PATCHABLE.some((p) => key === p || key.startsWith(`${p}.`));
const isLive = (key: string) => LIVE_KEYS.some((p) => key === p || key.startsWith(`${p}.`));

function setPath(obj: Record<string, unknown>, path: string, value: unknown) {
  const keys = path.split('.');
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    if (typeof cur[k] !== 'object' || cur[k] === null || Array.isArray(cur[k])) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1] as string] = value;
}

export type PatchCheck = { ok: true; config: Config; keys: string[]; live: string[]; restartRequired: string[] } | { ok: false; errors: string[] };

/** `set`: dotted key → value. Refused as a whole if any key is not allow-listed or the result is not a valid config. */
export function checkPatch(current: Readonly<Config>, set: Record<string, unknown>): PatchCheck {
  const keys = Object.keys(set).sort();
  if (!keys.length) return { ok: false, errors: ['the patch sets no key'] };
  const denied = keys.filter((k) => !allowed(k));
  if (denied.length) return { ok: false, errors: denied.map((k) => `${k}: not a key the cloud may change (allowed: ${PATCHABLE.join(', ')})`) };
  const next = structuredClone(current) as unknown as Record<string, unknown>;
  for (const k of keys) setPath(next, k, structuredClone(set[k]));
  try {
    // each section as an override: the loader then applies defaults and validates exactly as for a file
    const config = loadConfig({ env: {}, overrides: next });
    return { ok: true, config, keys, live: keys.filter(isLive), restartRequired: keys.filter((k) => !isLive(k)) };
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, errors: err.problems };
    return { ok: false, errors: [(err as Error).message] };
  }
}

/** the effective config: the file's plus every accepted patch, in order (used at start) */
export function applyPatches(config: Readonly<Config>, patches: Array<Record<string, unknown>>): Readonly<Config> {
  let cur = config;
  for (const set of patches) {
    const r = checkPatch(cur, set);
    if (r.ok) cur = r.config;
  }
  return cur;
}

/** The accepted patches in the data dir's database (none before the downlink's first migration). */
export async function storedPatches(db: Db): Promise<Array<Record<string, unknown>>> {
  const table = await db.get("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'downlink_config_patches'");
  if (!table) return [];
  const rows = await db.all<{ patch: string }>('SELECT patch FROM downlink_config_patches ORDER BY seq');
  return rows.map((r) => JSON.parse(r.patch) as Record<string, unknown>);
}
