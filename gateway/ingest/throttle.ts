import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';

/** Bad input is expected: warn once per key (device + reason) per window, and say how many were suppressed. */
export function createThrottledWarn(log: Logger, clock: Clock, windowMs = 60_000) {
  const seen = new Map<string, { at: number; suppressed: number }>();
  return (key: string, fields: Record<string, unknown>, msg: string) => {
    const now = clock.now();
    const s = seen.get(key);
    if (s && now - s.at < windowMs) {
      s.suppressed++;
      return;
    }
    log.warn({ ...fields, suppressedSinceLast: s?.suppressed ?? 0 }, msg);
    seen.set(key, { at: now, suppressed: 0 });
    if (seen.size > 10_000) seen.clear();
  };
}
