import type { Bus } from '../bus/bus.ts';

/** does an accepted patch of `keys` change `path` (the key itself, a key under it, or a section/key above it)? */
const touches = (keys: readonly string[], path: string) => keys.some((k) => k === path || k.startsWith(`${path}.`) || path.startsWith(`${k}.`));

/**
 * A service's own copy of some fields of a config section that follows accepted config patches: the downlink emits
 * `config.patched` (local, after COMMIT) with the patched sections as they now are, and the fields a patch touched
 * are updated in the copy, so code that reads `copy.field` when it runs sees the new value. Only the fields given
 * are followed (gateway/services/downlink/config-patch.ts LIVE_KEYS lists them; everything else needs a restart).
 */
export function followConfig<T extends object>(bus: Bus, owner: string, section: string, initial: T, fields: ReadonlyArray<keyof T & string>): T {
  const copy = { ...initial };
  bus.on(owner, 'config.patched', (e) => {
    const now = e.data.config[section] as Partial<T> | undefined;
    if (!now) return;
    for (const f of fields) if (touches(e.data.keys, `${section}.${f}`) && now[f] !== undefined) copy[f] = now[f] as T[typeof f];
  });
  return copy;
}

/**
 * For state built from a config value (a map, a timer, connections): `fn` gets the new value of `path` (dotted, e.g.
 * `presence.zones`) each time an accepted config patch touches it.
 */
export function onConfigPatched<V>(bus: Bus, owner: string, path: string, fn: (value: V) => void) {
  const [section = '', ...rest] = path.split('.');
  bus.on(owner, 'config.patched', (e) => {
    if (!touches(e.data.keys, path)) return;
    let v: unknown = e.data.config[section];
    for (const k of rest) v = (v as Record<string, unknown> | undefined)?.[k];
    if (v !== undefined) fn(v as V);
  });
}
