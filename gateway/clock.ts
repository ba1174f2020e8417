/** Time comes from an injected clock so services can be tested with a fake one. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
  setInterval(fn: () => void, ms: number): { cancel(): void };
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
  setInterval(fn, ms) {
    const t = setInterval(fn, ms);
    t.unref?.();
    return { cancel: () => clearInterval(t) };
  },
};

/** A manual clock for tests: time only moves when `advance` is called, firing due timers in order. */
export function createFakeClock(start = Date.UTC(2026, 0, 1, 9, 0, 0)) {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void; every?: number }>();
  const add = (fn: () => void, ms: number, every?: number) => {
    const id = ++seq;
    timers.set(id, { at: now + ms, fn, every });
    return { cancel: () => void timers.delete(id) };
  };
  return {
    now: () => now,
    setTimeout: (fn: () => void, ms: number) => add(fn, ms),
    setInterval: (fn: () => void, ms: number) => add(fn, ms, Math.max(1, ms)),
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        let next: [number, { at: number; fn: () => void; every?: number }] | undefined;
        for (const entry of timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
        if (!next) break;
        const [id, t] = next;
        now = t.at;
        if (t.every) t.at += t.every;
        else timers.delete(id);
        t.fn();
      }
      now = end;
    },
    set(ms: number) {
      now = ms;
    },
  } satisfies Clock & { advance(ms: number): void; set(ms: number): void };
}
export type FakeClock = ReturnType<typeof createFakeClock>;
