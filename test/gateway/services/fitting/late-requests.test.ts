import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, nextEvent } from '../../../helpers/gateway.ts';
import { fittingRig, frameOf, ITEMS, staffCall } from './helpers.ts';

describe('late size requests', () => {
  it('raise one alert when open longer than fitting.sizeRequestAlertSeconds, resolved when staff claim it', async () => {
    const { gw, mirror } = await fittingRig({ overrides: { 'fitting.sizeRequestAlertSeconds': 1 } });
    await mirror.sendFrame(await frameOf(ITEMS.dress));
    await mirror.nextCommand('recognised');
    const late: string[] = [];
    gw.bus.on('test-late', 'alert.raised', (e) => void late.push(String((e.data as { key: string }).key)));
    const raised = nextEvent(gw, 'alert.raised', (e) => String((e.data as { key: string }).key).startsWith('fitting:size-request:'), 8000);
    await mirror.interact({ type: 'size_request', productId: 'SG-0301', size: 'L' });
    const open = await mirror.nextCommand('size_request', (c) => c.status === 'open');
    const alert = await raised;
    expect(alert.data).toMatchObject({ key: `fitting:size-request:${open.id}:late`, severity: 'warning', deviceId: 'mirror-1' });
    expect((alert.data as { message: string }).message).toContain('SG-0301 L at fitting-1 waiting for more than 1 s');

    // the alert book shows it open (once: the next check does not raise it again)
    const alerts = async () =>
      (await (await fetch(`http://127.0.0.1:${gw.ports.http}/api/v1/alerts`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as {
        open: Array<{ key: string }>;
      };
    // a second request made now is raised by a later check, which saw the first one again and left it alone
    const secondRaised = nextEvent(gw, 'alert.raised', (e) => String((e.data as { key: string }).key) !== `fitting:size-request:${open.id}:late`, 8000);
    await mirror.interact({ type: 'size_request', productId: 'SG-0301', size: 'L' });
    const next = await mirror.nextCommand('size_request', (c) => c.status === 'open' && c.id !== open.id);
    expect((await secondRaised).data).toMatchObject({ key: `fitting:size-request:${next.id}:late` });
    expect(late.filter((k) => k === `fitting:size-request:${open.id}:late`)).toHaveLength(1);
    expect((await alerts()).open.filter((a) => a.key === `fitting:size-request:${open.id}:late`)).toHaveLength(1);
    const second = await gw.db.get<{ n: number }>('SELECT alerted AS n FROM fitting_size_requests WHERE id = ?', [open.id]);
    expect(second?.n).toBe(1);

    const resolved = nextEvent(gw, 'alert.resolved', (e) => (e.data as { key: string }).key === `fitting:size-request:${open.id}:late`);
    expect((await staffCall(gw, 'POST', `/api/v1/fitting/size-requests/${open.id}/claim`)).status).toBe(200);
    await resolved;
    expect((await alerts()).open.map((a) => a.key).filter((k) => k.startsWith('fitting:size-request:'))).toEqual([`fitting:size-request:${next.id}:late`]);
  }, 60_000); // a recognition, two late alerts (one check a second) and a claim: over the 30 s default on a loaded 2-core box
});
