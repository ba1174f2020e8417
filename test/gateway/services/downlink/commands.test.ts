import { describe, expect, it } from 'vitest';
import { createCloudSimulator, newSigningKey, serveFeed } from '../../../../simulators/cloud.ts';
import { metricValue, startGateway, until } from '../../../helpers/gateway.ts';
import { startReceiver } from '../outbox/harness.ts';
import { downlinkRig } from './helpers.ts';

type Rig = Awaited<ReturnType<typeof downlinkRig>>;
const ALL = ['stock', 'catalog', 'config', 'command', 'model', 'incentive', 'stream', 'trust'];
const refused = (rig: Rig, reason: string) => metricValue(rig.gw, 'storegate_downlink_refused_total', { reason });
const sale = (size: string, quantity = 1) => ({ changes: [{ sku: 'SG-0002', size, reason: 'sale', quantity }] });

describe('downlink commands over the HTTP feed: key rotation and dead-letter replay', () => {
  it('pins a new key by a signed key.rotate and refuses the retired one after it, across a restart', async () => {
    const rig = await downlinkRig({ purposes: ALL });
    const next = newSigningKey();
    // the cloud's second signer, continuing the same stream numbering
    const hq2 = await createCloudSimulator({ storeId: 'store-1', keyId: 'hq-2', privateKey: next.privateKey, now: rig.clock.now });
    const rotate = rig.cloud.make(
      'commands',
      'command.key.rotate',
      { add: { id: 'hq-2', publicKey: next.publicKeyPem, purposes: ['stock', 'command'] }, retire: 'hq-1' },
      { nonce: 'rotate-0000000001', expiresat: new Date(rig.clock.now() + 60_000).toISOString(), requestedby: 'security@hq' },
    );
    // before the rotation, hq-2 is a stranger
    const early = hq2.make('stock', 'stock.changed', sale('S'), { sequence: 1 }).signed;
    rig.setFeed([early]);
    await rig.pull();
    expect(await refused(rig, 'unknown_key')).toBe(1);
    expect(await rig.stockOf('SG-0002')).toMatchObject({ S: 8 });

    rig.setFeed([rotate.signed]);
    await rig.pull();
    expect(await rig.position('commands')).toBe(1);
    const audit = (await rig.api('GET', '/api/v1/downlink/audit')).body.items as Array<Record<string, unknown>>;
    expect(audit).toEqual([expect.objectContaining({ id: rotate.event.id, requestedBy: 'security@hq', outcome: 'applied' })]);

    // after it: the old key is refused, the new one applies (the same sequence: a refusal does not move the position)
    const oldKey = rig.cloud.make('stock', 'stock.changed', sale('S', 2), { sequence: 1 }).signed;
    const newKey = hq2.make('stock', 'stock.changed', sale('S', 3), { sequence: 1 }).signed;
    rig.setFeed([oldKey, newKey]);
    await rig.pull();
    expect(await refused(rig, 'unknown_key')).toBe(2);
    expect(await rig.position('stock')).toBe(1);
    expect(await rig.stockOf('SG-0002')).toMatchObject({ S: 5 });
    // hq-2 was pinned for stock and command only: it cannot rotate keys itself
    const selfRotate = hq2.make(
      'commands',
      'command.key.rotate',
      { retire: 'hq-3' },
      { sequence: 2, nonce: 'rotate-0000000002', expiresat: new Date(rig.clock.now() + 60_000).toISOString(), requestedby: 'mallory@hq' },
    );
    rig.setFeed([selfRotate.signed]);
    await rig.pull();
    expect(await refused(rig, 'wrong_purpose')).toBe(1);

    // the rotation is kept in SQLite: a restart with the same config (which still lists hq-1) keeps hq-1 retired
    const { dataDir } = rig.gw;
    const keys = rig.gw.config.downlink.keys;
    await rig.gw.stopGateway();
    const after = [
      rig.cloud.make('stock', 'stock.changed', sale('S', 1), { sequence: 2 }).signed,
      hq2.make('stock', 'stock.changed', sale('S', 4), { sequence: 2 }).signed,
    ];
    const feed = await serveFeed(() => after);
    try {
      const again = await startGateway({ dataDir, overrides: { 'downlink.keys': keys, 'downlink.http': { url: feed.url, intervalSeconds: 3600 } } });
      await until(
        async () => (await metricValue(again, 'storegate_downlink_messages_total', { stream: 'stock', outcome: 'applied' })) === 1,
        10_000,
        'hq-2 applied',
      );
      expect(await metricValue(again, 'storegate_downlink_refused_total', { reason: 'unknown_key' })).toBe(1);
      const row = await again.db.get<{ stock: number }>("SELECT stock FROM catalog_stock WHERE sku = 'SG-0002' AND size = 'S'");
      expect(row?.stock).toBe(1);
      await again.stopGateway();
    } finally {
      await feed.close();
    }
  });

  it('replays dead letters on a signed deadletters.replay: each reaches the cloud receiver once', async () => {
    const rx = await startReceiver();
    // the receiver refuses downlink.refused reports with 400 (poison: dead-lettered at once) until told otherwise
    let refuse = true;
    rx.setAnswer((events) => (refuse && events.some((e) => e.type === 'storegate.downlink.refused') ? { status: 400, body: 'not yet' } : { status: 200 }));
    const rig = await downlinkRig({ overrides: { 'cloud.forwarders': [{ name: 'cloud', kind: 'http', url: rx.url }] } });
    const outbox = async () => (await rig.api('GET', '/api/v1/outbox')).body as { deadLetters: number; backlog: { events: number } };
    // three signed stock messages with schema-invalid data: each is refused and reported upstream
    for (let i = 0; i < 3; i++) await rig.cloud.send('stock', 'stock.changed', { changes: [{ sku: 'SG-0002' }] });
    await rig.pull();
    await until(async () => (await outbox()).deadLetters === 3, 10_000, 'three dead letters');
    const dead = ((await rig.api('GET', '/api/v1/outbox/dead-letters')).body.items as Array<{ id: string }>).map((d) => d.id).sort();
    expect(rx.received.filter((e) => dead.includes(e.id))).toEqual([]);

    refuse = false;
    await rig.cloud.command('deadletters.replay', { forwarder: 'cloud' }, 'support@hq');
    await rig.pull();
    await until(
      async () => (await outbox()).backlog.events === 0 && rx.received.some((e) => e.type === 'storegate.downlink.command.completed'),
      10_000,
      'replayed',
    );
    // the same feed again (the command is a duplicate) and a second replay command (nothing left to replay)
    await rig.pull();
    await rig.cloud.command('deadletters.replay', {}, 'support@hq');
    await rig.pull();
    await until(async () => rx.received.filter((e) => e.type === 'storegate.downlink.command.completed').length === 2, 10_000, 'second replay done');
    expect((await outbox()).deadLetters).toBe(0);
    const replayed = rx.received.filter((e) => dead.includes(e.id)).map((e) => e.id);
    expect(replayed.sort()).toEqual(dead);
    const completed = rx.received.filter((e) => e.type === 'storegate.downlink.command.completed').map((e) => (e.data as unknown as { detail: string }).detail);
    expect(completed).toEqual(['3 dead letters queued again', '0 dead letters queued again']);
  });
});
