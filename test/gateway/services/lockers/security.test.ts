import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../../../../gateway/clock.ts';
import { metricValue, nextEvent, until } from '../../../helpers/gateway.ts';
import { isKeypad, isOpen, loadOrder, lockerRig } from './helpers.ts';

const wrong = (code: string, n: number) => String((Number(code) + n) % 1_000_000).padStart(6, '0');

describe('locker keypad brute-force protection', () => {
  it('locks the keypad after 5 wrong codes for 60 s, then 4× longer the next time; the right code is refused while locked', async () => {
    const clock = createFakeClock();
    const { gw, sim } = await lockerRig({ clock });
    const { code } = await loadOrder(gw, sim, 'order-2001');
    const alert = nextEvent(gw, 'alert.raised', (e) => (e.data as { key: string }).key.endsWith('keypad_lockout'));
    for (let i = 1; i <= 4; i++) {
      await sim.enterCode(wrong(code, i));
      await sim.nextCommand(isKeypad('wrong'));
    }
    await sim.enterCode(wrong(code, 5));
    expect(await sim.nextCommand(isKeypad())).toMatchObject({ result: 'locked', lockedForSeconds: 60 });
    expect((await alert).data).toMatchObject({ severity: 'warning', deviceId: 'lk-01' });

    await sim.enterCode(code);
    expect(await sim.nextCommand(isKeypad())).toMatchObject({ result: 'locked' });
    clock.advance(59_000);
    await sim.enterCode(code);
    expect(await sim.nextCommand(isKeypad())).toMatchObject({ result: 'locked', lockedForSeconds: 1 });

    // second round: the lockout grows
    clock.advance(1_000);
    for (let i = 1; i <= 5; i++) {
      await sim.enterCode(wrong(code, i));
      await sim.nextCommand(isKeypad(i < 5 ? 'wrong' : 'locked'));
    }
    clock.advance(239_000);
    await sim.enterCode(code);
    expect(await sim.nextCommand(isKeypad())).toMatchObject({ result: 'locked', lockedForSeconds: 1 });
    clock.advance(1_000);
    const resolved = nextEvent(gw, 'alert.resolved', (e) => (e.data as { key: string }).key.endsWith('keypad_lockout'));
    await sim.enterCode(code);
    await sim.nextCommand(isOpen('A2'));
    await resolved;

    expect(sim.pending().filter((c) => c.type === 'open')).toEqual([]);
    expect(await metricValue(gw, 'storegate_lockers_keypad_lockouts_total')).toBe(2);
    expect(await metricValue(gw, 'storegate_lockers_keypad_refused_total', { reason: 'wrong_code' })).toBe(10);
    expect(await metricValue(gw, 'storegate_lockers_keypad_refused_total', { reason: 'locked' })).toBe(3);
  });

  it('never writes a pickup code to the logs or the device event table', async () => {
    const { gw, sim } = await lockerRig();
    const { code } = await loadOrder(gw, sim, 'order-2002');
    await sim.enterCode(wrong(code, 1));
    await sim.nextCommand(isKeypad('wrong'));
    await sim.enterCode(code);
    await sim.nextCommand(isOpen('A2'));
    const rows = await gw.db.all<{ data: string }>('SELECT data FROM device_events');
    expect(rows.length).toBeGreaterThan(0);
    for (const secret of [code, wrong(code, 1)]) {
      expect(gw.logs.lines.filter((l) => l.includes(secret))).toEqual([]);
      expect(rows.filter((r) => r.data.includes(secret))).toEqual([]);
    }
    const stored = await gw.db.get<{ code_hash: string }>('SELECT code_hash FROM locker_parcels');
    expect(stored?.code_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps the door audit log for the configured time only', async () => {
    const clock = createFakeClock();
    // 0.001 days = 86.4 s, so the fake clock does not have to run a whole day of gateway timers
    const { gw, sim } = await lockerRig({ clock, overrides: { 'retention.lockerAuditDays': 0.001 } });
    await loadOrder(gw, sim, 'order-2003');
    const count = async () => (await gw.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM locker_audit'))?.n;
    expect(await count()).toBe(1);
    clock.advance(150_000);
    await until(async () => (await count()) === 0, 5000, 'audit pruned');
  });
});
