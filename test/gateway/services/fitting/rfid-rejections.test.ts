import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeSgtin96 } from '../../../../devices/rfid/sgtin-encode.ts';
import { loadCatalogSync } from '../../../../gateway/catalog.ts';
import { createRfidReaderSim, tagFor } from '../../../../simulators/rfid-reader.ts';
import { addDevice, metricValue, until } from '../../../helpers/gateway.ts';
import { fittingRig } from './helpers.ts';

const MODELS = join(import.meta.dirname, '..', '..', '..', '..', 'models');
const CATALOG = loadCatalogSync(join(MODELS, 'catalog.sample.json'), JSON.parse(readFileSync(join(MODELS, 'labels.json'), 'utf8')) as string[]);
const GOOD = tagFor(CATALOG.products.find((p) => p.sku === 'SG-0201')!, 'S', 7);
/** a valid SGTIN-96 of a GTIN the store does not sell (GS1's own example company) */
const UNKNOWN = encodeSgtin96({ gtin: '80614141123458', prefixDigits: 7, serial: 6789, filter: 3 });
/** what an unencoded tag answers with: the chip maker's TID-style EPC (header 0xE2) */
const NOT_SGTIN = 'E28011606000020528F904FA';

async function rig() {
  const { gw, mirror } = await fittingRig();
  const secret = await addDevice(gw, 'reader-1', 'rfid-reader', 'fitting-1');
  const reader = createRfidReaderSim({
    url: `mqtt://127.0.0.1:${gw.ports.mqtt}`,
    storeId: gw.config.storeId,
    deviceId: 'reader-1',
    secret,
    intervalMs: 60_000,
  });
  await reader.connect();
  return { gw, mirror, reader, close: () => reader.disconnect() };
}
const rejected = (gw: Parameters<typeof metricValue>[0], reason: string) => metricValue(gw, 'storegate_fitting_tag_reads_rejected_total', { reason });

describe('RFID reads that cannot be taken', () => {
  it('refuses a message of bad reads by reason (malformed EPC, not SGTIN-96, unknown GTIN), counted, logged once, the mirror untouched', async () => {
    const { gw, mirror, reader, close } = await rig();
    await reader.send({ reads: [{ epc: 'ZZ11' }, { epc: '3074257BF7194E40' }, { epc: NOT_SGTIN }, { epc: UNKNOWN }] });
    await until(async () => (await rejected(gw, 'unknown_gtin')) === 1, 5000, 'the rejection');
    expect(await rejected(gw, 'malformed_epc')).toBe(2);
    expect(await rejected(gw, 'not_sgtin96')).toBe(1);
    // the ingest refused the message as a whole, by its first read's reason
    expect(await metricValue(gw, 'storegate_ingest_rejected_total', { reason: 'malformed_epc' })).toBe(1);
    await reader.send({ epc: UNKNOWN, antenna: 1, rssi: -50 });
    await until(async () => (await rejected(gw, 'unknown_gtin')) === 2, 5000, 'the second rejection');
    const warned = gw.logs.parsed().filter((l) => l.msg === 'device message rejected' && l.deviceId === 'reader-1');
    expect(warned.map((l) => l.reason).sort()).toEqual(['malformed_epc', 'unknown_gtin']);
    expect(String(warned.find((l) => l.reason === 'unknown_gtin')?.detail)).toContain('GTIN 80614141123458 is not in the catalog');
    expect(mirror.commands.filter((c) => c.type === 'recognised')).toHaveLength(0);
    await close();
  });

  it('takes the good reads of a mixed batch and counts and logs the bad ones', async () => {
    const { gw, mirror, reader, close } = await rig();
    await reader.send({
      reads: [
        { epc: NOT_SGTIN, antenna: 2 },
        { epc: GOOD, antenna: 1, rssi: -48.5 },
      ],
    });
    expect(await mirror.nextCommand('recognised', (c) => c.via === 'tag')).toMatchObject({ item: { sku: 'SG-0201' }, size: 'S' });
    expect(await rejected(gw, 'not_sgtin96')).toBe(1);
    const warned = gw.logs.parsed().find((l) => l.msg === 'tag read refused');
    expect(warned).toMatchObject({ deviceId: 'reader-1', reason: 'not_sgtin96' });
    await close();
  });

  it('refuses a payload of no known shape (schema) without crashing, and keeps taking good reads', async () => {
    const { gw, mirror, reader, close } = await rig();
    await reader.send({ reads: [{ epc: GOOD, antenna: 'one' }] });
    await reader.send({ tagInventoryEvent: { epcHex: GOOD } });
    await until(async () => (await metricValue(gw, 'storegate_ingest_rejected_total', { reason: 'schema' })) === 2, 5000, 'schema rejections');
    await reader.send({ epc: GOOD });
    expect(await mirror.nextCommand('recognised', (c) => c.via === 'tag')).toMatchObject({ item: { sku: 'SG-0201' } });
    await close();
  });
});
