import { describe, expect, it } from 'vitest';
import { counter } from '../../../../gateway/metrics.ts';
import { healthRig } from './rig.ts';

describe('model and disk alerts', () => {
  it('raises a model alert when it is unsure on most frames of the last 10 minutes and resolves it when it is sure again', async () => {
    const h = await healthRig({ unsureRateMax: 0.5, unsureMinFrames: 20 });
    const frames = counter(h.metrics, 'storegate_recognition_frames_total', 'frames', ['outcome']);
    await h.advance(5000);
    frames.inc({ outcome: 'recognised' }, 5);
    frames.inc({ outcome: 'unsure' }, 10);
    await h.advance(5000);
    expect(h.openKeys()).toEqual([]); // 15 frames: too few to judge
    frames.inc({ outcome: 'unsure' }, 10);
    await h.advance(5000);
    expect(h.openKeys()).toEqual(['model:unsure_rate']);
    expect(h.book.get('model:unsure_rate')?.message).toContain('80% of 25 frames');
    frames.inc({ outcome: 'recognised' }, 100);
    await h.advance(11 * 60_000); // the unsure burst leaves the window
    expect(h.openKeys()).toEqual([]);
  });

  it('raises a critical alert when the data disk is nearly full', async () => {
    const disk = { free: 5e9, total: 100e9 };
    const h = await healthRig({ diskFreeMinPercent: 10 }, { disk });
    await h.advance(5000);
    expect(h.openKeys()).toEqual(['gateway:disk']);
    expect(h.raised()[0]?.data).toMatchObject({ severity: 'critical', message: 'data disk nearly full: 5.0 GB (5.0%) free' });
    disk.free = 11e9;
    await h.advance(5000);
    expect(h.openKeys()).toEqual(['gateway:disk']);
    disk.free = 30e9;
    await h.advance(5000);
    expect(h.openKeys()).toEqual([]);
  });
});
