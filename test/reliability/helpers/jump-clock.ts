import type { Clock } from '../../../gateway/clock.ts';

/**
 * A manual clock whose wall time can jump. `advance` moves time and fires due timers in order (like the
 * foundation's fake clock); `jump` moves the wall clock only, as an NTP step or an RTC reset does: pending
 * timers keep their remaining delay (Node's timers run on a monotonic clock), so a ten-year jump does not fire
 * ten years of intervals.
 */
export function createJumpClock(start = Date.UTC(2026, 0, 1, 9, 0, 0)) {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void; every?: number }>();
  const add = (fn: () => void, ms: number, every?: number) => {
    const id = ++seq;
    timers.set(id, { at: now + Math.max(0, ms), fn, ...(every ? { every } : {}) });
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
    jump(ms: number) {
      now += ms;
      for (const t of timers.values()) t.at += ms;
    },
  } satisfies Clock & { advance(ms: number): void; jump(ms: number): void };
}
