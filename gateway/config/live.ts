import type { Bus } from '../bus/bus.ts';

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
    for (const f of fields) {
      const key = `${section}.${f}`;
      if (e.data.keys.some((k) => k === section || k === key || k.startsWith(`${key}.`)) && now[f] !== undefined) copy[f] = now[f] as T[typeof f];
    }
  });
  return copy;
}
