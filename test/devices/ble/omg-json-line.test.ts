import { describe, expect, it } from 'vitest';
import { decodeJsonLine } from '../../../devices/ble/json-line.ts';
import { parseOmgMessage, parseOmgTopic } from '../../../devices/ble/omg.ts';
import { golden } from './vectors.ts';

const BLUECHARM = golden[0] as unknown as { manufacturerData: string; expect: Record<string, unknown> };
const UID = golden.find((g) => g.eddystone) as unknown as { eddystone: string; expect: Record<string, unknown> };

describe('OpenMQTTGateway / Theengs topics and messages', () => {
  it('reads home/<gateway>/BTtoMQTT/<mac> and nothing else', () => {
    expect(parseOmgTopic('home/omg-1/BTtoMQTT/C4A1B2C3D4E5')).toEqual({ gateway: 'omg-1', mac: 'C4A1B2C3D4E5' });
    for (const bad of [
      'home/omg-1/BTtoMQTT',
      'home/omg-1/BTtoMQTT/mac/x',
      'house/omg-1/BTtoMQTT/mac',
      'home/omg-1/MQTTtoBT/mac',
      'home//BTtoMQTT/mac',
      'home/omg-1/BTtoMQTT/',
    ])
      expect(parseOmgTopic(bad), bad).toBeNull();
  });

  it('carries the undecoded manufacturer data an ESP32 heard (a published iBeacon frame), with its rssi, id and volt', () => {
    const r = parseOmgMessage({ id: 'C4:A1:B2:C3:D4:E5', rssi: -72, manufacturerdata: BLUECHARM.manufacturerData, volt: 3.1 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.adv).toEqual({ rssi: -72, address: 'C4:A1:B2:C3:D4:E5', manufacturerData: Buffer.from(BLUECHARM.manufacturerData, 'hex') });
    expect(r.value.volt).toBe(3.1);
    expect(r.value.decoded).toBeUndefined();
  });

  it('carries Eddystone service data with its uuid, and an empty uuid when none is given', () => {
    const r = parseOmgMessage({ rssi: -80, servicedata: UID.eddystone, servicedatauuid: '0xfeaa' });
    expect(r.ok && r.value.adv.serviceData).toEqual([{ uuid: '0xfeaa', data: Buffer.from(UID.eddystone, 'hex') }]);
    const bare = parseOmgMessage({ rssi: -80, servicedata: UID.eddystone });
    expect(bare.ok && bare.value.adv.serviceData).toEqual([{ uuid: '', data: Buffer.from(UID.eddystone, 'hex') }]);
    expect(bare.ok && bare.value.adv.address).toBeUndefined();
  });

  it('keeps only a string id as the address and only a numeric volt', () => {
    const r = parseOmgMessage({ id: 42, rssi: -72, manufacturerdata: BLUECHARM.manufacturerData, volt: '3.1' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.adv.address).toBeUndefined();
    expect(r.value.volt).toBeUndefined();
  });

  it("takes Theengs' decoded iBeacon fields (uuid, major, minor, txpower), defaulting txpower to -59", () => {
    const theengs = {
      id: 'C4:A1:B2:C3:D4:E5',
      rssi: -60,
      model_id: 'IBEACON',
      uuid: '426c7565436861726d426561636f6e73',
      major: 3838,
      minor: 4949,
      txpower: -59,
    };
    const r = parseOmgMessage(theengs);
    expect(r.ok && r.value.decoded).toEqual(BLUECHARM.expect);
    const edges = parseOmgMessage({ ...theengs, major: 0, minor: 0xffff, txpower: 127 });
    expect(edges.ok && edges.value.decoded).toMatchObject({ major: 0, minor: 65535, txPower: 127 });
    const swapped = parseOmgMessage({ ...theengs, major: 0xffff, minor: 0 });
    expect(swapped.ok && swapped.value.decoded).toMatchObject({ major: 65535, minor: 0 });
    expect(parseOmgMessage({ ...theengs, txpower: -128 })).toMatchObject({ ok: true, value: { decoded: { txPower: -128 } } });
    for (const txpower of [undefined, -129, 128, 1.5, '-59'])
      expect(parseOmgMessage({ ...theengs, txpower }), String(txpower)).toMatchObject({ ok: true, value: { decoded: { txPower: -59 } } });
  });

  it.each([
    ['an array', [], 'not_object'],
    ['null', null, 'not_object'],
    ['a string', 'x', 'not_object'],
    ['no rssi', { manufacturerdata: '4c00' }, 'absurd_rssi'],
    ['rssi 0', { rssi: 0, manufacturerdata: '4c00' }, 'absurd_rssi'],
    ['rssi above 20', { rssi: 21, manufacturerdata: '4c00' }, 'absurd_rssi'],
    ['rssi below -127', { rssi: -128, manufacturerdata: '4c00' }, 'absurd_rssi'],
    ['manufacturer data that is not hex', { rssi: -60, manufacturerdata: '4c0z' }, 'bad_hex'],
    ['service data that is not hex', { rssi: -60, servicedata: 'zz' }, 'bad_hex'],
    ['a uuid that is not one', { rssi: -60, uuid: 'not-a-uuid', major: 1, minor: 2 }, 'bad_uuid'],
    ['major over 65535', { rssi: -60, uuid: '426c7565436861726d426561636f6e73', major: 65536, minor: 2 }, 'bad_major_minor'],
    ['a negative minor', { rssi: -60, uuid: '426c7565436861726d426561636f6e73', major: 1, minor: -1 }, 'bad_major_minor'],
    ['a negative major', { rssi: -60, uuid: '426c7565436861726d426561636f6e73', major: -1, minor: 1 }, 'bad_major_minor'],
    ['minor over 65535', { rssi: -60, uuid: '426c7565436861726d426561636f6e73', major: 1, minor: 65536 }, 'bad_major_minor'],
    ['rssi and id only', { rssi: -60, id: 'C4:A1:B2:C3:D4:E5' }, 'no_beacon_data'],
    ['a uuid without integer major/minor', { rssi: -60, uuid: '426c7565436861726d426561636f6e73', major: 1.5, minor: 2 }, 'no_beacon_data'],
    // a uuid that is not a string is not Theengs' decoded iBeacon (and must not reach the UUID parser)
    ['a numeric uuid with major/minor', { rssi: -60, uuid: 42, major: 1, minor: 2 }, 'no_beacon_data'],
  ])('refuses %s as %s', (_what, body, reason) => {
    expect(parseOmgMessage(body)).toEqual({ ok: false, reason });
  });
});

describe('storegate ble-decode lines', () => {
  it('decodes a manufacturer-data line and an Eddystone service-data line into the beacon fields', () => {
    expect(decodeJsonLine(JSON.stringify({ manufacturerData: BLUECHARM.manufacturerData, rssi: -70 }))).toEqual(BLUECHARM.expect);
    expect(decodeJsonLine(JSON.stringify({ serviceData: [{ uuid: 'feaa', data: UID.eddystone }] }))).toEqual(UID.expect);
  });

  it("accepts OMG's lowercase fields copied from an ESP32 feed, with feaa as the default service uuid", () => {
    expect(decodeJsonLine(JSON.stringify({ manufacturerdata: BLUECHARM.manufacturerData }))).toEqual(BLUECHARM.expect);
    expect(decodeJsonLine(JSON.stringify({ servicedata: UID.eddystone }))).toEqual(UID.expect);
    expect(decodeJsonLine(JSON.stringify({ servicedata: UID.eddystone, servicedatauuid: 'feaa' }))).toEqual(UID.expect);
    // another service uuid is not Eddystone
    expect(decodeJsonLine(JSON.stringify({ servicedata: UID.eddystone, servicedatauuid: '180f' })).kind).toBeNull();
  });

  it.each([
    ['not JSON', '{', 'not valid JSON'],
    ['an array', '[]', 'expected a JSON object'],
    ['null', 'null', 'expected a JSON object'],
    ['a number', '7', 'expected a JSON object'],
    ['bad manufacturer hex', '{"manufacturerData":"4c0z"}', 'manufacturerData is not hex'],
    ['bad lowercase manufacturer hex', '{"manufacturerdata":"zz"}', 'manufacturerData is not hex'],
    ['a service data entry without uuid', '{"serviceData":[{"data":"00"}]}', 'serviceData entries need a uuid string'],
    ['a null service data entry', '{"serviceData":[null]}', 'serviceData entries need a uuid string'],
    ['service data that is not hex', '{"serviceData":[{"uuid":"feaa","data":"zz"}]}', 'serviceData feaa data is not hex'],
    ['service data that is not an array', '{"serviceData":{"uuid":"feaa","data":"00"}}', 'serviceData must be an array of {uuid, data}'],
    ['lowercase service data that is not hex', '{"servicedata":"zz"}', 'servicedata is not hex'],
  ])('says why for %s', (_what, line, error) => {
    expect(decodeJsonLine(line)).toEqual({ kind: null, error });
  });

  it("passes the decoder's reason through when nothing in the line is a beacon", () => {
    const r = decodeJsonLine('{"rssi":-70}');
    expect(r.kind).toBeNull();
    expect((r as { error: string }).error).toMatch(/\S/);
    expect(decodeJsonLine('{"manufacturerData":null,"serviceData":null}')).toEqual(r);
    // OMG's lowercase spelling, null: absent too, not "not hex"
    expect(decodeJsonLine('{"manufacturerdata":null}')).toEqual(r);
  });
});
