import { describe, expect, it } from 'vitest';
import { STAFF_TOKEN, until } from '../../../helpers/gateway.ts';
import { downlinkRig } from './helpers.ts';

const DAY_MS = 86_400_000;
type Rig = Awaited<ReturnType<typeof downlinkRig>>;
const upstream = async (rig: Rig, type: string) =>
  (await rig.gw.db.all<{ body: string }>('SELECT body FROM outbox_events WHERE type = ? ORDER BY seq', [type])).map(
    (r) => (JSON.parse(r.body) as { data: Record<string, unknown> }).data,
  );

describe('signed config patches applied live, without a restart', () => {
  it("retention days change the retention job's next cut-offs at once; keys that need a restart are named", async () => {
    const rig = await downlinkRig();
    const cutoffs = async () => (await rig.api('POST', '/api/v1/privacy/retention/run')).body.cutoffs as Record<string, string>;
    const days = (iso: string | undefined) => Math.round((rig.clock.now() - Date.parse(iso ?? '')) / DAY_MS);
    expect(days((await cutoffs()).presence)).toBe(30);
    await rig.cloud.configPatch({ 'retention.presenceDays': 14, 'retention.deviceEventsDays': 7, 'retention.alertsDays': 30 }, 'dpo@hq');
    await rig.pull();
    const after = await cutoffs();
    expect([days(after.presence), days(after.deviceEvents), days(after.sessions)]).toEqual([14, 7, 90]);
    expect(await upstream(rig, 'downlink.config.applied')).toEqual([
      expect.objectContaining({
        keys: ['retention.alertsDays', 'retention.deviceEventsDays', 'retention.presenceDays'],
        restartRequired: ['retention.alertsDays'],
      }),
    ]);
  });

  it('fitting.sizeRequestAlertSeconds: a size request open longer than the patched limit raises its alert', async () => {
    const rig = await downlinkRig({ overrides: { 'fitting.sizeRequestAlertSeconds': 600 } });
    await rig.addMirror();
    await rig.cloud.configPatch({ 'fitting.sizeRequestAlertSeconds': 60 }, 'ops@hq');
    await rig.pull();
    const asked = await rig.api(
      'POST',
      '/api/v1/fitting/mirrors/mirror-1/interactions',
      { type: 'size_request', productId: 'SG-0001', size: 'M' },
      STAFF_TOKEN,
    );
    expect(asked.body).toMatchObject({ type: 'size_request', status: 'open' });
    // the check runs every 30 s (set at start from 600 s); 90 s later the request is past the patched 60 s
    for (let i = 0; i < 3; i++) rig.clock.advance(30_000);
    await rig.gw.work.flush();
    const open = async () => ((await rig.api('GET', '/api/v1/alerts')).body.open as Array<{ key: string }>).map((a) => a.key);
    await until(async () => (await open()).some((k) => k.startsWith('fitting:size-request:')), 5000, 'the late alert');
    expect((await open()).filter((k) => k.startsWith('fitting:size-request:'))).toEqual([`fitting:size-request:${asked.body.id}:late`]);
  });
});
