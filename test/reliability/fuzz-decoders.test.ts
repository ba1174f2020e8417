import { afterAll, describe, expect, it } from 'vitest';
import { decodeAltBeacon } from '../../devices/ble/altbeacon.ts';
import { beaconKey, decodeAdvertisement, powerAt1m } from '../../devices/ble/decode.ts';
import { decodeEddystone } from '../../devices/ble/eddystone.ts';
import { decodeIBeacon } from '../../devices/ble/ibeacon.ts';
import { decodeJsonLine } from '../../devices/ble/json-line.ts';
import { parseOmgMessage } from '../../devices/ble/omg.ts';
import { toAdvertisement } from '../../devices/ble/scanner-messages.ts';
import type { Decoded } from '../../devices/ble/types.ts';
import { preprocess } from '../../gateway/services/recognition/preprocess.ts';
import { createRng } from '../../simulators/rng.ts';
import { mutateBytes, mutateJson } from './helpers/mutate.ts';
import { recordSummary } from './helpers/summary.ts';
import { ALTBEACON_HEX, EDDYSTONE_UID_HEX, IBEACON_HEX, JPEG, PNG } from './seeds.ts';

const SEED = Number(process.env.RELIABILITY_SEED ?? 11);
const BLE_INPUTS = Number(process.env.RELIABILITY_BLE_INPUTS ?? 12_000);
const IMAGE_INPUTS = Number(process.env.RELIABILITY_IMAGE_INPUTS ?? 1500);
const EDDYSTONE_TLM_HEX = '2000 0bb8 1a80 00000064 00000fa0'.replace(/ /g, '');
const EDDYSTONE_URL_HEX = '10eb 03 676f6f676c65 07'.replace(/ /g, '');

const tally = { ble: 0, image: 0, decoded: 0, refused: 0 };
afterAll(() => {
  recordSummary(import.meta.filename, {
    name: 'fuzz BLE decoders and image preprocessing (pure)',
    cases: tally.ble + tally.image,
    faults: 0,
    lost: 0,
    note: `${tally.ble} BLE frames/messages, ${tally.image} image byte strings; ${tally.decoded} decoded, ${tally.refused} refused with a reason`,
  });
});

/** A decoder's contract: it returns ok with a value or a reason; it never throws, whatever the bytes. */
function expectDecoded(r: Decoded<unknown>, input: string) {
  expect(typeof r.ok, input).toBe('boolean');
  if (r.ok) tally.decoded++;
  else {
    expect(typeof r.reason, input).toBe('string');
    tally.refused++;
  }
}

describe('fuzzing the BLE decoders', () => {
  it('decodes or refuses with a reason every mutated frame and scanner message, never throwing', () => {
    const rng = createRng(`${SEED}-ble`);
    const frames = [IBEACON_HEX, ALTBEACON_HEX].map((h) => Buffer.from(h, 'hex'));
    const eddystone = [EDDYSTONE_UID_HEX, EDDYSTONE_TLM_HEX, EDDYSTONE_URL_HEX].map((h) => Buffer.from(h, 'hex'));
    for (let i = 0; i < BLE_INPUTS; i++) {
      const which = i % 6;
      if (which < 3) {
        const m = mutateBytes(rng, rng.pick(which === 2 ? eddystone : frames));
        const label = `#${i} ${m.how} ${m.bytes.toString('hex')}`;
        expectDecoded(decodeIBeacon(m.bytes), label);
        expectDecoded(decodeAltBeacon(m.bytes), label);
        expectDecoded(decodeEddystone(m.bytes), label);
        const r = decodeAdvertisement({
          manufacturerData: m.bytes,
          serviceData: [{ uuid: rng.pick(['feaa', '0000feaa-0000-1000-8000-00805f9b34fb', 'FEAA', '', 'zz']), data: m.bytes }],
        });
        expectDecoded(r, label);
        if (r.ok) {
          beaconKey(r.value);
          const p = powerAt1m(r.value);
          expect(p === null || Number.isFinite(p), label).toBe(true);
        }
      } else if (which === 3) {
        const m = mutateJson(
          rng,
          { address: 'aa:bb:cc:dd:ee:ff', rssi: -60, manufacturerData: IBEACON_HEX, serviceData: [{ uuid: 'feaa', data: EDDYSTONE_UID_HEX }] },
          { maxBytes: 4096 },
        );
        let body: unknown;
        try {
          body = JSON.parse(m.bytes.toString('utf8'));
        } catch {
          continue;
        }
        // toAdvertisement gets only what passed the message schema at ingest, but must not throw on its shape
        if (body && typeof body === 'object' && !Array.isArray(body)) {
          try {
            expectDecoded(toAdvertisement(body as never), `#${i} ${m.how}`);
          } catch (err) {
            // a shape the schema would have refused (e.g. serviceData not an array) may fail in plain JS terms
            expect(err, `#${i} ${m.how}`).toBeInstanceOf(TypeError);
          }
        }
      } else if (which === 4) {
        const m = mutateJson(
          rng,
          { id: 'AA:BB:CC:DD:EE:FF', rssi: -64, manufacturerdata: IBEACON_HEX, uuid: 'f7826da6-4fa2-4e98-8024-bc5b71e0893e', major: 1, minor: 2, txpower: -59 },
          { maxBytes: 4096 },
        );
        let body: unknown;
        try {
          body = JSON.parse(m.bytes.toString('utf8'));
        } catch {
          body = m.bytes.toString('utf8');
        }
        expectDecoded(parseOmgMessage(body), `#${i} ${m.how}`);
      } else {
        const m = mutateJson(rng, { manufacturerData: IBEACON_HEX, serviceData: [{ uuid: 'feaa', data: EDDYSTONE_UID_HEX }], rssi: -70 }, { maxBytes: 4096 });
        const r = decodeJsonLine(m.bytes.toString('utf8'));
        expect(r.kind === null ? typeof r.error : 'decoded', `#${i} ${m.how}`).toMatch(/string|decoded/);
        if (r.kind === null) tally.refused++;
        else tally.decoded++;
      }
      tally.ble++;
    }
  });
});

describe('fuzzing the recognition preprocessing', () => {
  it('turns every mutated image into a finite 28×28 tensor or a coded rejection, never anything else', async () => {
    const rng = createRng(`${SEED}-image`);
    const limits = { maxBytes: 5 * 1024 * 1024, maxInputPixels: 4096 * 4096 };
    // a PNG header that claims 100000×100000 pixels: must be refused from the header, not decoded
    const bomb = Buffer.from(PNG);
    bomb.writeUInt32BE(100_000, 16);
    bomb.writeUInt32BE(100_000, 20);
    const inputs: Array<{ how: string; bytes: Buffer }> = [{ how: 'png bomb header', bytes: bomb }];
    for (let i = 0; i < IMAGE_INPUTS; i++) inputs.push(mutateBytes(rng, rng.pick([JPEG, PNG])));
    const reasons = new Map<string, number>();
    for (const [i, m] of inputs.entries()) {
      const r = await preprocess(m.bytes, limits).then(
        (t) => ({ ok: true as const, t }),
        (e: Error & { code?: string; reason?: string }) => ({ ok: false as const, e }),
      );
      tally.image++;
      if (r.ok) {
        expect(r.t.length, `#${i} ${m.how}`).toBe(28 * 28);
        expect(r.t.every(Number.isFinite), `#${i} ${m.how}`).toBe(true);
        tally.decoded++;
      } else {
        expect(r.e.code, `#${i} ${m.how}: ${r.e.message}`).toMatch(/^SG_IMAGE_/);
        reasons.set(r.e.reason ?? '?', (reasons.get(r.e.reason ?? '?') ?? 0) + 1);
        tally.refused++;
      }
    }
    expect(reasons.get('too_many_pixels') ?? 0).toBeGreaterThan(0);
  });
});
