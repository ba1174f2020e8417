import type { Bus } from './bus/bus.ts';

/**
 * Shoppers per zone, as presence reports them on the bus (entered / moved / exited): the one count every
 * capability that shows occupancy uses (the dashboard's chart, Home Assistant's sensors).
 */
export function createZoneOccupancy() {
  const zoneOf = new Map<string, string>();
  return {
    /** follow presence on the bus under `owner` (undone by `bus.off(owner)`); `onChange` after each change */
    follow(bus: Bus, owner: string, onChange: () => void = () => {}) {
      const set = (shopperId: string, zone: string | null) => {
        if (zone) zoneOf.set(shopperId, zone);
        else zoneOf.delete(shopperId);
        onChange();
      };
      bus.on(owner, 'presence.entered', (e) => set(e.data.shopperId, e.data.zone));
      bus.on(owner, 'presence.moved', (e) => set(e.data.shopperId, e.data.to));
      bus.on(owner, 'presence.exited', (e) => set(e.data.shopperId, null));
    },
    counts(): Record<string, number> {
      const out: Record<string, number> = {};
      for (const z of zoneOf.values()) out[z] = (out[z] ?? 0) + 1;
      return out;
    },
  };
}
export type ZoneOccupancy = ReturnType<typeof createZoneOccupancy>;
