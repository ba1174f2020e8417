import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../../bin/storegate.js', import.meta.url));

function runCli(stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'ble-decode'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('storegate ble-decode', () => {
  it('writes one JSON line per input line, decoded or with an error, in order', async () => {
    const input = [
      // theengs/decoder tests/BLE/test_ble.cpp "iBeacon BlueCharm_135727"
      { manufacturerData: '4c000215426c7565436861726d426561636f6e730efe1355c5', rssi: -70 },
      // AltBeacon/android-beacon-library AltBeaconParserTest
      { manufacturerData: '1801beac2f234454cf6d4a0fadf2f4911ba9ffa600010002c509' },
      { serviceData: [{ uuid: 'feaa', data: '00e700010203040506070809010203040506' }] },
      { serviceData: [{ uuid: 'FEAA', data: '10e702676f6f676c6500' }] },
      // MikroTik RouterOS docs decode-ad example
      { serviceData: [{ uuid: '0xfeaa', data: '20000b6e158402353af20238576b' }] },
      { serviceData: [{ uuid: 'feaa', data: '30045152535455565758' }] },
      { manufacturerData: '4c000215zz' },
      { serviceData: [{ uuid: 'feaa', data: '10ee04676f6f676c6507' }] },
    ]
      .map((l) => JSON.stringify(l))
      .concat(['not json', '', '{"manufacturerdata":"4c000215fda50693a4e24fb1afcfc6eb07647825000100021a","rssi":-60}'])
      .join('\n');
    const { code, stdout, stderr } = await runCli(`${input}\n`);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = stdout.trim().split('\n');
    expect(out).toEqual([
      '{"kind":"ibeacon","uuid":"426c7565-4368-6172-6d42-6561636f6e73","major":3838,"minor":4949,"txPower":-59}',
      '{"kind":"altbeacon","companyId":280,"beaconId":"2f234454cf6d4a0fadf2f4911ba9ffa600010002","refRssi":-59,"mfgReserved":9}',
      '{"kind":"eddystone-uid","txPower":-25,"namespace":"00010203040506070809","instance":"010203040506"}',
      '{"kind":"eddystone-url","txPower":-25,"url":"http://google.com/"}',
      '{"kind":"eddystone-tlm","version":0,"batteryMv":2926,"temperatureC":21.515625,"advCount":37042930,"uptimeSeconds":3724682.7}',
      '{"kind":"eddystone-eid","txPower":4,"eid":"5152535455565758"}',
      '{"kind":null,"error":"manufacturerData is not hex"}',
      '{"kind":null,"error":"eddystone-url: bad URL scheme byte 0x04"}',
      '{"kind":null,"error":"not valid JSON"}',
      '{"kind":"ibeacon","uuid":"fda50693-a4e2-4fb1-afcf-c6eb07647825","major":1,"minor":2,"txPower":26}',
    ]);
  });
});
