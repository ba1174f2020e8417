import { afterAll, describe, expect, it } from 'vitest';
import { addDevice, connectMqtt, deviceTopic, publish, startGateway } from '../helpers/gateway.ts';
import { createJumpClock } from './helpers/jump-clock.ts';
import { ackedEventId, missingEvents } from './helpers/store-check.ts';
import { recordSummary } from './helpers/summary.ts';
import { IBEACON_HEX } from './seeds.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** wall-clock steps: NTP corrections, a dead RTC battery (back to 1970-ish), a far-future RTC, then normal time again */
const JUMPS: Array<{ name: string; advance?: number; jump?: number }> = [
  { name: '+1 h, timers fired', advance: HOUR },
  { name: '+1 day, timers fired', advance: DAY },
  { name: 'step back 2 days', jump: -2 * DAY },
  { name: 'step forward 400 days', jump: 400 * DAY },
  { name: 'RTC reset to 1970', jump: -Date.UTC(2027, 0, 1) },
  { name: 'RTC in 2100', jump: Date.UTC(2100, 0, 1) },
  { name: '+10 min after the jumps, timers fired', advance: 10 * 60_000 },
];

const FAR = [-8.64e15, 8.64e15, 0, -1, 1e300, Number.MAX_SAFE_INTEGER];

const summary = { cases: 0, lost: 0 };
afterAll(() =>
  recordSummary(import.meta.filename, {
    name: 'wall-clock jumps (±days, 1970, 2100) and far past/future timestamps in payloads',
    cases: summary.cases,
    faults: JUMPS.length,
    lost: summary.lost,
  }),
);

describe('clock jumps', () => {
  it('keeps acknowledging and storing events across wall-clock jumps and absurd device timestamps, without errors', async () => {
    const clock = createJumpClock();
    const gw = await startGateway({ clock });
    const sensor = await addDevice(gw, 'clk-sensor', 'sensor');
    const scanner = await addDevice(gw, 'clk-scanner', 'ble-scanner', 'zone-a');
    const cs = await connectMqtt(gw.ports.mqtt, { username: 'clk-sensor', password: sensor });
    const cb = await connectMqtt(gw.ports.mqtt, { username: 'clk-scanner', password: scanner });
    for (const [j, step] of JUMPS.entries()) {
      if (step.advance) clock.advance(step.advance);
      if (step.jump) clock.jump(step.jump);
      const ids: string[] = [];
      for (const [k, ts] of FAR.entries()) {
        const msgId = `j${j}-${k}`;
        await publish(
          cs,
          deviceTopic(gw, 'sensor', 'clk-sensor', 'telemetry'),
          JSON.stringify({ msgId, type: 'clock', values: { ts, at: new Date(clock.now()).toISOString() } }),
        );
        await publish(cs, deviceTopic(gw, 'sensor', 'clk-sensor', 'status'), JSON.stringify({ msgId, online: true, uptimeSeconds: Math.abs(ts) }));
        await publish(cb, deviceTopic(gw, 'ble-scanner', 'clk-scanner', 'adv'), JSON.stringify({ rssi: -60, manufacturerData: IBEACON_HEX, ts }));
        ids.push(ackedEventId('clk-sensor', 'telemetry', msgId), ackedEventId('clk-sensor', 'status', msgId));
        summary.cases += 3;
      }
      const missing = await missingEvents(gw.db, ids);
      summary.lost += missing.length;
      expect(missing, step.name).toEqual([]);
    }
    const errors = gw.logs.parsed().filter((l) => Number(l.level) >= 50);
    expect(errors.map((l) => `${l.module ?? ''} ${l.msg}: ${JSON.stringify(l.err ?? '').slice(0, 200)}`)).toEqual([]);
    expect((await gw.http.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});
