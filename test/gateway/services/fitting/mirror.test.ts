import { describe, expect, it } from 'vitest';
import { metricValue, nextEvent, until } from '../../../helpers/gateway.ts';
import { fittingRig, frameOf, ITEMS, staffCall, UNSURE_ITEM } from './helpers.ts';

describe('fitting-room mirror over real MQTT', () => {
  it('recognises a held-up dress and answers with in-stock sizes, what goes with it and similar items', async () => {
    const { mirror } = await fittingRig();
    await mirror.presence(true);
    await mirror.sendFrame(await frameOf(ITEMS.dress));
    const r = await mirror.nextCommand('recognised');
    expect(r).toMatchObject({ label: 'Dress', unsure: false, via: 'model', item: { sku: 'SG-0301', category: 'Dress' } });
    expect(r.suggestions.sizes.map((s) => s.size)).toEqual(['XS', 'S', 'L', 'XL']); // M is out of stock
    expect(r.suggestions.goesWith.map((s) => s.category)).toEqual(['Sandal', 'Sandal', 'Bag']);
    expect(r.suggestions.goesWith.every((s) => s.inStock.length > 0)).toBe(true);
    expect(r.suggestions.goesWith[0]?.reason).toBe('goes with your dress');
    expect(r.suggestions.similar.map((s) => s.sku)).toEqual(['SG-0302']);
  });

  it('offers to order online (home or locker) when the wanted size is out of stock, and creates the order intent', async () => {
    const { gw, mirror } = await fittingRig();
    await mirror.sendFrame(await frameOf(ITEMS.dress));
    await mirror.nextCommand('recognised');
    await mirror.interact({ type: 'size_request', productId: 'SG-0301', size: 'M' });
    const offer = await mirror.nextCommand('order_online');
    expect(offer.offer).toMatchObject({ sku: 'SG-0301', size: 'M', delivery: ['home', 'locker'] });
    const created = nextEvent(gw, 'order.intent.created');
    await mirror.interact({ type: 'order', productId: 'SG-0301', size: 'M', delivery: 'locker' });
    const order = await mirror.nextCommand('order');
    const e = await created;
    expect(e.data).toMatchObject({ orderIntentId: order.id, sku: 'SG-0301', size: 'M', delivery: 'locker', pickupStoreId: gw.config.storeId });
    const row = await gw.db.get<{ body: string }>('SELECT body FROM outbox_events WHERE id = ?', [e.id]);
    expect(JSON.parse(row?.body ?? '{}')).toMatchObject({ type: 'storegate.order.intent.created', priority: 'critical' });
  });

  it('asks the shopper to pick when the model is unsure, and answers the pick with suggestions', async () => {
    const { mirror } = await fittingRig();
    await mirror.sendFrame(await frameOf(UNSURE_ITEM));
    const ask = await mirror.nextCommand('ask_pick');
    expect(ask.confidence).toBeLessThan(0.6);
    expect(ask.options.length).toBeGreaterThan(1);
    const sku = ask.options[0]!.products[0]!.sku;
    await mirror.interact({ type: 'pick', productId: sku });
    const picked = await mirror.nextCommand('recognised');
    expect(picked).toMatchObject({ via: 'pick', item: { sku } });
  });

  it('learns "goes with" from the store\'s own past sessions: seeded sessions change the ranking', async () => {
    const { gw, mirror } = await fittingRig();
    // two past sessions in which shoppers tried the wrap dress with the running sneaker
    for (const id of ['past-1', 'past-2']) {
      await gw.db.run('INSERT INTO fitting_room_sessions (id, mirror_id, zone, started_at, ended_at) VALUES (?, ?, ?, ?, ?)', [
        id,
        'mirror-9',
        'fitting-9',
        1,
        2,
      ]);
      for (const [sku, cat] of [
        ['SG-0301', 'Dress'],
        ['SG-0702', 'Sneaker'],
      ])
        await gw.db.run('INSERT INTO fitting_items (session_id, sku, category, via, at) VALUES (?, ?, ?, ?, ?)', [id, sku, cat, 'model', 1]);
    }
    await mirror.sendFrame(await frameOf(ITEMS.dress));
    const r = await mirror.nextCommand('recognised');
    expect(r.suggestions.goesWith[0]).toMatchObject({ sku: 'SG-0702', reason: 'often tried with the wrap midi dress' });
  });

  it('stores the session and puts it in the outbox when the shopper leaves, with no frame bytes anywhere', async () => {
    const { gw, mirror } = await fittingRig();
    const frame = await frameOf(ITEMS.dress);
    await mirror.presence(true);
    await mirror.sendFrame(frame);
    await mirror.nextCommand('recognised');
    await mirror.interact({ type: 'tap', productId: 'SG-0302' });
    await mirror.nextCommand('recognised', (c) => c.item?.sku === 'SG-0302');
    const closed = nextEvent(gw, 'fitting.session.closed');
    await mirror.presence(false);
    const e = await closed;
    expect(e.data).toMatchObject({
      mirrorId: 'mirror-1',
      zone: 'fitting-1',
      items: [
        { sku: 'SG-0301', category: 'Dress', via: 'model' },
        { sku: 'SG-0302', category: 'Dress', via: 'pick' },
      ],
      suggestionsTaken: ['SG-0302'],
    });
    const row = await until(() => gw.db.get<{ body: string }>('SELECT body FROM outbox_events WHERE id = ?', [e.id]), 5000, 'outbox row');
    expect(JSON.parse(row?.body ?? '{}')).toMatchObject({ type: 'storegate.fitting.session.closed' });
    expect(await gw.db.get('SELECT * FROM fitting_room_sessions WHERE id = ?', [(e.data as { sessionId: string }).sessionId])).toMatchObject({
      ended_at: expect.any(Number),
    });

    // no frame bytes: not in device_events, not in the outbox, not in any fitting table, not in the logs
    const probe = frame.subarray(200, 232);
    const hex = probe.toString('hex');
    const b64 = frame.subarray(300, 348).toString('base64');
    const tables = (await gw.db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")).map((t) => t.name);
    for (const t of tables) {
      for (const r of await gw.db.all<Record<string, unknown>>(`SELECT * FROM "${t}"`))
        for (const v of Object.values(r)) {
          if (Buffer.isBuffer(v)) expect(v.includes(probe)).toBe(false);
          if (typeof v === 'string') expect(v.includes(hex) || v.includes(b64) || v.length > 100_000).toBe(false);
        }
    }
    expect((await gw.db.all("SELECT * FROM device_events WHERE channel = 'frame'")).length).toBe(0);
    expect(gw.logs.lines.some((l) => l.includes(b64) || l.length > 100_000)).toBe(false);
  });

  it("links the session to the shopper whose app beacon is in the mirror's fitting-room zone, and to their store visit", async () => {
    const { gw, mirror } = await fittingRig();
    const visit = { sessionId: 'visit-1', shopperId: 'shopper-abc', startedAt: new Date().toISOString(), endedAt: null, durationMs: null, visits: [] };
    gw.bus.emit(gw.bus.make('presence.session.opened', 'test', visit));
    gw.bus.emit(
      gw.bus.make('presence.entered', 'test', { shopperId: 'shopper-abc', zone: 'fitting-1', enteredAt: new Date().toISOString(), rssi: -60, distanceM: 1 }),
    );
    await mirror.presence(true);
    const opened = await mirror.nextCommand('session', (c) => c.status === 'open');
    const row = await until(() =>
      gw.db.get<{ shopper_id: string; shopper_session_id: string }>('SELECT shopper_id, shopper_session_id FROM fitting_room_sessions WHERE id = ?', [
        opened.sessionId,
      ]),
    );
    expect(row).toMatchObject({ shopper_id: 'shopper-abc', shopper_session_id: 'visit-1' });
    const closed = nextEvent(gw, 'fitting.session.closed');
    await mirror.presence(false);
    expect((await closed).data).toMatchObject({ sessionId: opened.sessionId, shopperId: 'shopper-abc', shopperSessionId: 'visit-1' });
  });

  it('does not link a later session to a shopper who has walked out of the fitting room (found by the store-day scenario)', async () => {
    const { gw, mirror } = await fittingRig();
    const at = new Date().toISOString();
    gw.bus.emit(
      gw.bus.make('presence.session.opened', 'test', {
        sessionId: 'visit-2',
        shopperId: 'shopper-gone',
        startedAt: at,
        endedAt: null,
        durationMs: null,
        visits: [],
      }),
    );
    gw.bus.emit(gw.bus.make('presence.entered', 'test', { shopperId: 'shopper-gone', zone: 'fitting-1', enteredAt: at, rssi: -60, distanceM: 1 }));
    gw.bus.emit(
      gw.bus.make('presence.moved', 'test', { shopperId: 'shopper-gone', from: 'fitting-1', to: 'entrance', dwellMs: 5000, rssi: -60, distanceM: 1 }),
    );
    await mirror.presence(true);
    const opened = await mirror.nextCommand('session', (c) => c.status === 'open');
    const row = await gw.db.get<{ shopper_id: string | null }>('SELECT shopper_id FROM fitting_room_sessions WHERE id = ?', [opened.sessionId]);
    expect(row?.shopper_id).toBeNull();
    await mirror.presence(false);
    await mirror.nextCommand('session', (c) => c.status === 'closed');
    // nor after their store visit ended (the exit event names the zone they left from, not the fitting room)
    gw.bus.emit(gw.bus.make('presence.entered', 'test', { shopperId: 'shopper-gone', zone: 'fitting-1', enteredAt: at, rssi: -60, distanceM: 1 }));
    gw.bus.emit(
      gw.bus.make('presence.session.closed', 'test', {
        sessionId: 'visit-2',
        shopperId: 'shopper-gone',
        startedAt: at,
        endedAt: at,
        durationMs: 1,
        visits: [],
      }),
    );
    await mirror.presence(true);
    const again = await mirror.nextCommand('session', (c) => c.status === 'open');
    const row2 = await gw.db.get<{ shopper_id: string | null }>('SELECT shopper_id FROM fitting_room_sessions WHERE id = ?', [again.sessionId]);
    expect(row2?.shopper_id).toBeNull();
  });

  it('sends a size request from the mirror to staff; staff claim and bring it, the mirror sees each status', async () => {
    const { gw, mirror } = await fittingRig();
    await mirror.sendFrame(await frameOf(ITEMS.dress));
    await mirror.nextCommand('recognised');
    await mirror.interact({ type: 'size_request', productId: 'SG-0301', size: 'L' });
    const open = await mirror.nextCommand('size_request', (c) => c.status === 'open');
    const list = await staffCall(gw, 'GET', '/api/v1/fitting/size-requests');
    expect(list.body.requests).toEqual([
      expect.objectContaining({ id: open.id, productId: 'SG-0301', productName: 'Wrap midi dress', size: 'L', status: 'open', zone: 'fitting-1' }),
    ]);
    expect((await staffCall(gw, 'POST', `/api/v1/fitting/size-requests/${open.id}/claim`)).status).toBe(200);
    expect(await mirror.nextCommand('size_request', (c) => c.status === 'claimed')).toMatchObject({ id: open.id });
    expect((await staffCall(gw, 'POST', `/api/v1/fitting/size-requests/${open.id}/claim`)).status).toBe(409);
    expect((await staffCall(gw, 'POST', `/api/v1/fitting/size-requests/${open.id}/done`)).status).toBe(200);
    expect(await mirror.nextCommand('size_request', (c) => c.status === 'done')).toMatchObject({ id: open.id });
    expect((await staffCall(gw, 'GET', '/api/v1/fitting/size-requests', 'wrong-token')).status).toBe(401);
  });
});

describe('frames as JSON with base64', () => {
  it('recognises a frame sent as {"image": base64} and rejects JSON without an image', async () => {
    const { gw, mirror } = await fittingRig();
    await mirror.presence(true);
    const jpeg = await frameOf(ITEMS.dress);
    await mirror.sendFrame(Buffer.from(JSON.stringify({ image: jpeg.toString('base64') })));
    const r = await mirror.nextCommand('recognised');
    expect(r).toMatchObject({ type: 'recognised' });
    await mirror.sendFrame(Buffer.from(JSON.stringify({ picture: 'nope' })));
    await until(async () => (await metricValue(gw, 'storegate_ingest_rejected_total', { reason: 'bad_frame_json' })) === 1, 5000, 'counted rejection');
  });
});
