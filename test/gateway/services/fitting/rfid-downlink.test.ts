import { describe, expect, it, onTestFinished } from 'vitest';
import { createMirrorSim } from '../../../../simulators/smart-mirror.ts';
import { createRfidReaderSim, tagFor } from '../../../../simulators/rfid-reader.ts';
import { addDevice } from '../../../helpers/gateway.ts';
import { downlinkRig } from '../downlink/helpers.ts';

describe('RFID tags of items the cloud adds to the catalog (downlink)', () => {
  it('a catalog.changed upsert with per-size GTINs makes its tags readable at once; a stock change keeps them', async () => {
    const rig = await downlinkRig();
    const url = `mqtt://127.0.0.1:${rig.gw.ports.mqtt}`;
    const mirror = createMirrorSim({ url, storeId: rig.gw.config.storeId, deviceId: 'mirror-1', secret: await rig.addMirror() });
    await mirror.connect();
    const readerSecret = await addDevice(rig.gw, 'reader-1', 'rfid-reader', 'fitting-1');
    const reader = createRfidReaderSim({ url, storeId: rig.gw.config.storeId, deviceId: 'reader-1', secret: readerSecret, intervalMs: 60_000 });
    await reader.connect();
    onTestFinished(async () => {
      await reader.disconnect();
      await mirror.disconnect();
    });
    const linen = {
      sku: 'SG-9001',
      sizes: [
        { size: 'M', gtin: '04061234900104' },
        { size: 'L', gtin: '04061234900111' },
      ],
    };
    await rig.cloud.catalog({
      upsert: [{ sku: linen.sku, name: 'Linen shirt', category: 'Shirt', colour: 'sand', sizes: linen.sizes.map((s) => ({ ...s, stock: 2 })) }],
    });
    await rig.pull();
    await reader.carryIn(tagFor(linen, 'L', 1));
    expect(await mirror.nextCommand('recognised', (c) => c.via === 'tag')).toMatchObject({ item: { sku: 'SG-9001', name: 'Linen shirt' }, size: 'L' });
    // a stock change keeps the GTINs (the product object is updated in place)
    await rig.cloud.stock([{ sku: 'SG-9001', size: 'M', reason: 'sale', quantity: 1 }]);
    await rig.pull();
    await reader.send({ epc: tagFor(linen, 'M', 2) });
    expect(await mirror.nextCommand('recognised', (c) => c.via === 'tag' && c.size === 'M')).toMatchObject({ item: { sku: 'SG-9001' } });
  });
});
