import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../../../../gateway/clock.ts';
import { metricValue, nextEvent } from '../../../helpers/gateway.ts';
import { isKeypad, isOpen, loadOrder, lockerRig } from './helpers.ts';

const wrong = (code: string, n: number) => String((Number(code) + n) % 1_000_000).padStart(6, '0');

describe('keypad lockouts per code source, with a bank-wide spray alarm', () => {
  it('locks out the shopper who guesses; another shopper at the same bank picks up at once', async () => {
    const clock = createFakeClock();
    const { gw, sim } = await lockerRig({ clock });
    const { code } = await loadOrder(gw, sim, 'order-mine');
    const guesser = { session: 'kp-guesser' };
    for (let i = 1; i <= 4; i++) {
      await sim.enterCode(wrong(code, i), guesser);
      await sim.nextCommand(isKeypad('wrong'));
    }
    const locked = nextEvent(gw, 'locker.keypad.locked');
    await sim.enterCode(wrong(code, 5), guesser);
    expect(await sim.nextCommand(isKeypad())).toMatchObject({ result: 'locked', lockedForSeconds: 60 });
    expect((await locked).data).toMatchObject({ controllerId: 'lk-01', lockedForSeconds: 60, source: 'keypad' });
    // the guesser is refused even the right code…
    await sim.enterCode(code, guesser);
    expect(await sim.nextCommand(isKeypad())).toMatchObject({ result: 'locked' });
    // …while the next shopper (a new keypad session) and a phone unlock are not locked out
    await sim.enterCode(wrong(code, 9), { session: 'kp-app', via: 'app' });
    await sim.nextCommand(isKeypad('wrong'));
    await sim.enterCode(code, { session: 'kp-owner' });
    await sim.nextCommand(isOpen('A2'));
    await sim.nextCommand(isKeypad('ok'));
    // one guesser locked out is routine: no bank alert
    expect(await gw.db.all("SELECT key FROM locker_alerts WHERE key LIKE 'locker-controller:%'")).toEqual([]);
    expect(await metricValue(gw, 'storegate_lockers_keypad_lockouts_total')).toBe(1);
  });

  it('raises one critical alarm on a spray of wrong codes across sessions, and locks nobody else out', async () => {
    const clock = createFakeClock();
    const { gw, sim } = await lockerRig({ clock, overrides: { 'lockers.keypad': { sprayFailures: 6, sprayWindowMinutes: 10 } } });
    const { code } = await loadOrder(gw, sim, 'order-spray');
    const spray = nextEvent(gw, 'locker.keypad.spray');
    const alert = nextEvent(gw, 'alert.raised', (e) => (e.data as { key: string }).key === 'locker-controller:lk-01:code_spray');
    // a new session per guess: no single source reaches its lockout
    for (let i = 1; i <= 7; i++) {
      await sim.enterCode(wrong(code, i), { session: `kp-${i}` });
      await sim.nextCommand(isKeypad('wrong'));
    }
    expect((await spray).data).toEqual({ controllerId: 'lk-01', failures: 6, windowMinutes: 10 });
    expect((await alert).data).toMatchObject({ severity: 'critical', deviceId: 'lk-01' });
    await sim.enterCode(code, { session: 'kp-owner' });
    await sim.nextCommand(isOpen('A2'));
    expect(await metricValue(gw, 'storegate_lockers_keypad_sprays_total')).toBe(1);
    expect(await metricValue(gw, 'storegate_lockers_keypad_lockouts_total')).toBe(0);
    // quiet for the window: the alarm resolves by itself
    const resolved = nextEvent(gw, 'alert.resolved', (e) => (e.data as { key: string }).key === 'locker-controller:lk-01:code_spray');
    clock.advance(11 * 60_000);
    await resolved;
  });
});
