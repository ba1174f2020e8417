import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Registry as Metrics } from '../../metrics.ts';
import type { Db } from '../../store/db.ts';
import type { AlertBook } from './alert-book.ts';
import type { HealthConfig } from './config.ts';
import { GATEWAY_DEVICE } from './events.ts';

export const UNSURE_KEY = 'model:unsure_rate';
export const DISK_KEY = 'gateway:disk';
const WINDOW_MS = 10 * 60_000;
const RECOVER = 0.8;

/** `free` and `total` bytes of the disk holding the database */
export type DiskProbe = () => Promise<{ free: number; total: number } | null>;

export function sqliteDiskProbe(db: Db): DiskProbe {
  return async () => {
    const main = (await db.all<{ name: string; file: string }>('PRAGMA database_list')).find((d) => d.name === 'main');
    if (!main?.file) return null;
    const s = await statfs(dirname(main.file));
    return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
  };
}

/**
 * The model's "not sure" share over the last 10 minutes (from recognition's frame counter, read-only) and free
 * space on the data disk.
 */
export function createResourceChecks(deps: { metrics: Metrics; book: AlertBook; config: HealthConfig; now: () => number; disk: DiskProbe }) {
  const { book, config } = deps;
  const samples: { at: number; unsure: number; frames: number }[] = [];

  async function model() {
    if (config.unsureRateMax <= 0) return;
    const m = deps.metrics.getSingleMetric('storegate_recognition_frames_total');
    if (!m) return;
    let unsure = 0;
    let frames = 0;
    for (const v of (await m.get()).values) {
      if (v.labels.outcome === 'unsure') unsure += v.value;
      if (v.labels.outcome === 'unsure' || v.labels.outcome === 'recognised') frames += v.value;
    }
    const now = deps.now();
    samples.push({ at: now, unsure, frames });
    while (samples.length > 1 && (samples[1]?.at ?? now) <= now - WINDOW_MS) samples.shift();
    const first = samples[0];
    if (!first) return;
    const n = frames - first.frames;
    const rate = n > 0 ? (unsure - first.unsure) / n : 0;
    if (n >= config.unsureMinFrames && rate > config.unsureRateMax) {
      const pct = Math.round(rate * 100);
      await book.raise({
        key: UNSURE_KEY,
        severity: 'warning',
        message: `model unsure on ${pct}% of ${n} frames in 10 min (camera, light or new products?)`,
        deviceId: GATEWAY_DEVICE,
      });
    } else if (rate <= config.unsureRateMax * RECOVER || n === 0) await book.resolve(UNSURE_KEY);
  }

  async function disk() {
    if (config.diskFreeMinPercent <= 0) return;
    const d = await deps.disk().catch(() => null);
    if (!d || d.total <= 0) return;
    const pct = (d.free * 100) / d.total;
    if (pct < config.diskFreeMinPercent) {
      const gb = (d.free / 1e9).toFixed(1);
      await book.raise({ key: DISK_KEY, severity: 'critical', message: `data disk nearly full: ${gb} GB (${pct.toFixed(1)}%) free`, deviceId: GATEWAY_DEVICE });
    } else if (pct >= config.diskFreeMinPercent + 2) await book.resolve(DISK_KEY);
  }

  return {
    async run() {
      await model();
      await disk();
    },
  };
}
