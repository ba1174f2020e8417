import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadCatalogSync } from '../../../../gateway/catalog.ts';
import { createMirrorSim, type MirrorSim } from '../../../../simulators/smart-mirror.ts';
import { createRfidReaderSim, type ReaderFormat, tagFor } from '../../../../simulators/rfid-reader.ts';
import { addDevice, metricValue, nextEvent, type TestGateway, until } from '../../../helpers/gateway.ts';
import { fittingRig, frameOf, ITEMS } from './helpers.ts';

const MODELS = join(import.meta.dirname, '..', '..', '..', '..', 'models');
const CATALOG = loadCatalogSync(join(MODELS, 'catalog.sample.json'), JSON.parse(readFileSync(join(MODELS, 'labels.json'), 'utf8')) as string[]);
const product = (sku: string) => {
  const p = CATALOG.products.find((x) => x.sku === sku);
  if (!p) throw new Error(sku);
  return p;
};
const tag = (sku: string, size: string, serial = 1) => tagFor(product(sku), size, serial);

/** A fitting room (zone fitting-1) with its mirror and its UHF reader, both real MQTT clients with their own credentials. */
async function rfidRig(opts: { tagTimeoutSeconds?: number; format?: ReaderFormat } = {}) {
  const { gw, mirror } = await fittingRig({ overrides: { 'fitting.rfid': { tagTimeoutSeconds: opts.tagTimeoutSeconds ?? 60, moveAfterSeconds: 0.5 } } });
  const reader = await readerIn(gw, 'reader-1', 'fitting-1', opts.format);
  return { gw, mirror, reader };
}

async function readerIn(gw: TestGateway, id: string, zone: string, format?: ReaderFormat) {
  const secret = await addDevice(gw, id, 'rfid-reader', zone);
  const reader = createRfidReaderSim({ url: `mqtt://127.0.0.1:${gw.ports.mqtt}`, storeId: gw.config.storeId, deviceId: id, secret, intervalMs: 150, format });
  await reader.connect();
  onTestFinished(() => reader.disconnect());
  return reader;
}

async function mirrorIn(gw: TestGateway, id: string, zone: string): Promise<MirrorSim> {
  const secret = await addDevice(gw, id, 'mirror', zone);
  const mirror = createMirrorSim({ url: `mqtt://127.0.0.1:${gw.ports.mqtt}`, storeId: gw.config.storeId, deviceId: id, secret });
  await mirror.connect();
  onTestFinished(() => mirror.disconnect());
  return mirror;
}

describe('RFID tags in the fitting room over real MQTT, with the real model on real JPEG frames', () => {
  it('puts the exact item and size of a tag read in the room on its mirror, with suggestions as for a camera item', async () => {
    const { gw, mirror, reader } = await rfidRig();
    const tagged = nextEvent(gw, 'fitting.item.tagged');
    await reader.carryIn(tag('SG-0303', 'M', 42));
    const r = await mirror.nextCommand('recognised', (c) => c.via === 'tag');
    expect(r).toMatchObject({
      label: 'Dress',
      size: 'M',
      item: { sku: 'SG-0303', name: 'Wrap midi dress' },
      tag: { gtin: product('SG-0303').sizes.find((s) => s.size === 'M')?.gtin, serial: '42' },
      fusion: { camera: 'none', confidence: 'tag' },
    });
    expect(r.suggestions.goesWith.length).toBeGreaterThan(0);
    expect((await tagged).data).toMatchObject({ mirrorId: 'mirror-1', zone: 'fitting-1', readerId: 'reader-1', sku: 'SG-0303', size: 'M', camera: 'none' });
  });

  it("camera and tag agree: the mirror shows the tagged item (not the camera's guess of a colour) with high confidence", async () => {
    const { gw, mirror, reader } = await rfidRig();
    await mirror.presence(true);
    await reader.carryIn(tag('SG-0303', 'XS'));
    await mirror.nextCommand('recognised', (c) => c.via === 'tag');
    const fused = nextEvent(gw, 'fitting.item.fused');
    await mirror.sendFrame(await frameOf(ITEMS.dress));
    const r = await mirror.nextCommand('recognised');
    // the camera alone answers SG-0301 (the first wrap dress): the tag names SG-0303 in XS
    expect(r).toMatchObject({ via: 'tag', item: { sku: 'SG-0303' }, size: 'XS', fusion: { camera: 'agreed', confidence: 'high', cameraLabel: 'Dress' } });
    expect((await fused).data).toMatchObject({ sku: 'SG-0303', camera: 'agreed' });
    expect(await metricValue(gw, 'storegate_fitting_tag_camera_total', { outcome: 'agreed' })).toBe(1);
    expect(await metricValue(gw, 'storegate_fitting_tag_camera_total', { outcome: 'disagreed' })).toBe(0);
  });

  it('camera and tag disagree: the tag wins, and the disagreement is counted on /metrics and in the session sent to the cloud', async () => {
    const { gw, mirror, reader } = await rfidRig();
    await mirror.presence(true);
    // the camera first sees an ankle boot; then the reader reads a chino the shopper carried in
    await mirror.sendFrame(await frameOf(ITEMS.ankleBoot));
    expect(await mirror.nextCommand('recognised', (c) => c.via === 'model')).toMatchObject({ label: 'Ankle boot' });
    await reader.carryIn(tag('SG-0101', '32'));
    expect(await mirror.nextCommand('recognised', (c) => c.via === 'tag')).toMatchObject({
      item: { sku: 'SG-0101' },
      size: '32',
      fusion: { camera: 'disagreed', confidence: 'tag', cameraLabel: 'Ankle boot' },
    });
    // a dress frame now: still the chino on the mirror, and the same item's disagreement is counted once
    await mirror.sendFrame(await frameOf(ITEMS.dress));
    expect(await mirror.nextCommand('recognised')).toMatchObject({
      via: 'tag',
      item: { sku: 'SG-0101' },
      fusion: { camera: 'disagreed', cameraLabel: 'Dress' },
    });
    expect(await metricValue(gw, 'storegate_fitting_tag_camera_total', { outcome: 'disagreed' })).toBe(1);
    const closed = nextEvent(gw, 'fitting.session.closed');
    await mirror.presence(false);
    const e = await closed;
    expect(e.data).toMatchObject({ fusion: { agreed: 0, disagreed: 1 } });
    const items = (e.data as { items: Array<Record<string, unknown>> }).items;
    expect(items.find((i) => i.via === 'tag')).toMatchObject({ sku: 'SG-0101', size: '32', camera: 'disagreed', epc: tag('SG-0101', '32') });
    expect(items.find((i) => i.via === 'model')).toMatchObject({ category: 'Ankle boot' });
    expect(items.find((i) => i.via === 'model')).not.toHaveProperty('camera');
    const row = await gw.db.get<{ body: string }>('SELECT body FROM outbox_events WHERE id = ?', [e.id]);
    expect(JSON.parse(row?.body ?? '{}')).toMatchObject({ type: 'storegate.fitting.session.closed', data: { fusion: { disagreed: 1 } } });
  });

  it('debounces repeat reads from both antennas, and ends the item when the tag is no longer read', async () => {
    const { gw, mirror, reader } = await rfidRig({ tagTimeoutSeconds: 1 });
    const epc = tag('SG-0702', '40');
    await reader.carryIn(epc);
    await mirror.nextCommand('recognised', (c) => c.via === 'tag');
    // the reader keeps reading it every 150 ms (one or two antennas a round): still one item on the mirror
    await until(async () => (await metricValue(gw, 'storegate_fitting_tag_reads_total', { outcome: 'repeat' })) >= 8, 5000, 'repeat reads');
    expect(mirror.commands.filter((c) => c.type === 'recognised')).toHaveLength(1);
    expect(await metricValue(gw, 'storegate_fitting_tag_reads_total', { outcome: 'new' })).toBe(1);
    const ended = nextEvent(gw, 'fitting.item.ended');
    reader.carryOut(epc);
    expect(await mirror.nextCommand('item_ended')).toMatchObject({ sku: 'SG-0702', size: '40', epc, reason: 'not_read' });
    expect((await ended).data).toMatchObject({ mirrorId: 'mirror-1', sku: 'SG-0702', reason: 'not_read' });
    // the mirror page no longer shows it
    const state = await fetch(`http://127.0.0.1:${gw.ports.http}/api/v1/fitting/mirrors/mirror-1/state`, {
      headers: { authorization: 'Bearer test-staff-token-0123456789' },
    }).then((r) => r.json() as Promise<{ answer: unknown }>);
    expect(state.answer).toBeNull();
  });

  it("ends the item in one room when another room's reader reads its tag, and starts it on that room's mirror", async () => {
    const { gw, mirror, reader } = await rfidRig();
    const mirror2 = await mirrorIn(gw, 'mirror-2', 'fitting-2');
    const reader2 = await readerIn(gw, 'reader-2', 'fitting-2');
    const epc = tag('SG-0402', 'S');
    await reader.carryIn(epc);
    await mirror.nextCommand('recognised', (c) => c.via === 'tag');
    // heard through the wall while its own room still reads it: a stray read, the item stays
    await reader2.publish([epc]);
    await until(async () => (await metricValue(gw, 'storegate_fitting_tag_reads_total', { outcome: 'stray' })) >= 1, 5000, 'the stray read');
    expect(mirror.commands.some((c) => c.type === 'item_ended')).toBe(false);
    // carried next door: room 1 stops reading it, room 2 reads it, and after moveAfterSeconds room 2 has it
    reader.carryOut(epc);
    await reader2.carryIn(epc);
    expect(await mirror.nextCommand('item_ended')).toMatchObject({ sku: 'SG-0402', reason: 'moved' });
    expect(await mirror2.nextCommand('recognised', (c) => c.via === 'tag')).toMatchObject({ item: { sku: 'SG-0402' }, size: 'S' });
  });

  it('takes Impinj IoT device interface tagInventory events as the reader sends them', async () => {
    const { mirror, reader } = await rfidRig({ format: 'impinj' });
    await reader.carryIn(tag('SG-0801', 'one size'));
    expect(await mirror.nextCommand('recognised', (c) => c.via === 'tag')).toMatchObject({ item: { sku: 'SG-0801' }, size: 'one size' });
  });

  it('takes Zebra IoT connector SIMPLE tag data events as the reader sends them', async () => {
    const { mirror, reader } = await rfidRig({ format: 'zebra' });
    await reader.carryIn(tag('SG-0601', 'L'));
    expect(await mirror.nextCommand('recognised', (c) => c.via === 'tag')).toMatchObject({ item: { sku: 'SG-0601' }, size: 'L' });
  });
});
