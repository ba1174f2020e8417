import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { DEMO_LOCKER_BANK } from '../../../simulators/demo-lockers.ts';
import { startCloudReceiver } from '../../../simulators/scenario/cloud.ts';
import { presenceConfigFor } from '../../../simulators/store-layout.ts';
import { newSecret } from '../../registry/registry.ts';
import { runGateway } from './start.ts';

/** The demo store: zones and devices. Secrets are made on first run and kept in the demo data dir. */
const DEMO_DEVICES = [
  { id: 'sc-entrance', kind: 'ble-scanner', zone: 'entrance' },
  { id: 'sc-womens', kind: 'ble-scanner', zone: 'womenswear' },
  { id: 'sc-mens', kind: 'ble-scanner', zone: 'menswear' },
  { id: 'sc-fitting', kind: 'ble-scanner', zone: 'fitting-rooms' },
  { id: 'mirror-1', kind: 'mirror', zone: 'fitting-1' },
  { id: 'mirror-2', kind: 'mirror', zone: 'fitting-2' },
  { id: 'locker-1', kind: 'locker', zone: 'click-and-collect' },
];

function demoSecrets(dataDir: string): Record<string, string> {
  const file = join(dataDir, 'demo-device-secrets.json');
  mkdirSync(dataDir, { recursive: true });
  const known: Record<string, string> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  for (const d of DEMO_DEVICES) known[d.id] ??= newSecret();
  writeFileSync(file, JSON.stringify(known, null, 2), { mode: 0o600 });
  return known;
}

export function registerDemo(program: Command) {
  program
    .command('demo')
    .description('run the gateway on embedded defaults with a simulated store (scanners, mirrors, a locker) and print the dashboard URL')
    .option('-c, --config <file>', 'JSON or YAML config file (demo devices are added to it)')
    .option('--data-dir <dir>', 'data directory for the demo', './data/demo')
    .action(async (o: { config?: string; dataDir: string }) => {
      const dataDir = resolve(process.env.STOREGATE_DATA_DIR ?? o.dataDir);
      const secrets = demoSecrets(dataDir);
      const staffToken = process.env.STOREGATE_STAFF_TOKEN ?? 'demo-staff-token';
      // a local stand-in for the cloud, so the demo shows what leaves the store (product ids, never frames)
      const cloud = await startCloudReceiver();
      const gw = await runGateway(o.config, {
        'cloud.forwarders': [{ name: 'demo-cloud', kind: 'http', url: cloud.url }],
        dataDir,
        storeId: process.env.STOREGATE_STORE_ID ?? 'demo',
        'http.staffToken': staffToken,
        presence: presenceConfigFor(),
        'lockers.banks': [{ ...DEMO_LOCKER_BANK, controllerId: 'locker-1' }],
        devices: DEMO_DEVICES.map((d) => ({ ...d, secret: secrets[d.id] })),
      });
      const { startDemoDevices } = await import('../../../simulators/demo.ts');
      const httpUrl = `http://localhost:${gw.ports.http}`;
      const sims = await startDemoDevices(
        DEMO_DEVICES.map((d) => ({ ...d, storeId: gw.config.storeId, secret: secrets[d.id] as string })),
        { url: `mqtt://127.0.0.1:${gw.ports.mqtt}`, httpUrl, adminToken: gw.adminToken.token, staffToken },
      );
      process.stdout.write(
        [
          '',
          `storegate demo store "${gw.config.storeId}" is running with ${sims.count} simulated devices`,
          `  dashboard:   ${httpUrl}/?token=${encodeURIComponent(gw.adminToken.token)}`,
          `  staff page:  ${httpUrl}/staff/lockers?token=${encodeURIComponent(staffToken)}`,
          `  mirrors:     ${httpUrl}/mirror/mirror-1  ${httpUrl}/mirror/mirror-2`,
          `  API docs:    ${httpUrl}/docs`,
          `  metrics:     ${httpUrl}/metrics`,
          `  cloud:       ${cloud.url}  (a local receiver: what the outbox forwarded)`,
          `  MQTT:        mqtt://localhost:${gw.ports.mqtt}  (WebSocket ws://localhost:${gw.ports.ws})`,
          `  data:        ${dataDir}`,
          'Ctrl-C to stop.',
          '',
        ].join('\n'),
      );
    });
}
