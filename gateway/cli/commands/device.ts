import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import mqtt, { type MqttClient } from 'mqtt';
import { systemClock } from '../../clock.ts';
import { loadConfig } from '../../config/load.ts';
import { createRegistry } from '../../registry/registry.ts';
import { createDeviceAdmin, type DeviceAdmin } from '../../broker/device-admin.ts';
import { createDynsec, type Dynsec } from '../../broker/dynsec.ts';
import { externalConnectOptions } from '../../broker/external.ts';
import { dynsecProvisioner, manualProvisioner, type ProvisionOutcome, type Provisioner, registryProvisioner } from '../../broker/provisioning.ts';
import type { Config } from '../../config/schema.ts';
import { omgTopicMapper } from '../../services/presence/channels.ts';
import { coreMigrations } from '../../store/core-migrations.ts';
import { openDb } from '../../store/db.ts';
import { migrate } from '../../store/migrate.ts';

/**
 * Works on the data dir's database directly, so it runs with or without a gateway (a running one notices
 * revocations); in external mode it provisions the broker too (mosquitto's dynamic security) or prints what
 * store IT must do there.
 */
async function withDevices<T>(configFile: string | undefined, fn: (admin: DeviceAdmin) => Promise<T>) {
  const config = loadConfig(configFile ? { file: configFile } : {});
  const db = await openDb(join(resolve(config.dataDir), 'storegate.db'), { synchronous: config.store.synchronous });
  const broker = cliProvisioner(config);
  try {
    await migrate(db, coreMigrations);
    return await fn(createDeviceAdmin({ registry: createRegistry({ db, clock: systemClock }), provisioner: broker.provisioner }));
  } finally {
    await broker.close();
    await db.close();
  }
}

/** The provisioner `storegate device` uses: a short connection as the gateway's account when dynamic security is on. */
function cliProvisioner(config: Config): { provisioner: Provisioner; close(): Promise<void> } {
  const ext = config.mqtt.external;
  if (config.mqtt.mode !== 'external' || !ext) return { provisioner: registryProvisioner, close: async () => {} };
  const extraTopics = omgTopicMapper.deviceTopics;
  if (!ext.dynamicSecurity)
    return { provisioner: manualProvisioner({ storeId: config.storeId, broker: `the external broker (${ext.url})`, extraTopics }), close: async () => {} };
  let client: MqttClient | undefined;
  let dynsec: Promise<Dynsec> | undefined;
  const connect = () =>
    (dynsec ??= (async () => {
      client = mqtt.connect(ext.url, {
        ...externalConnectOptions(ext, config.service, `storegate-cli-${randomBytes(4).toString('hex')}`),
        clean: true,
        reconnectPeriod: 0,
        connectTimeout: 5000,
      });
      const c = client;
      await new Promise<void>((res, rej) => {
        c.once('connect', () => res());
        c.once('error', rej);
        c.once('close', () => rej(new Error(`cannot connect to ${ext.url}`)));
      });
      return createDynsec(c);
    })());
  return {
    provisioner: dynsecProvisioner({ storeId: config.storeId, dynsec: connect, extraTopics }),
    close: async () => {
      if (client) await client.endAsync().catch(() => {});
    },
  };
}

const printBroker = (b: ProvisionOutcome, what: string) => {
  if (b.instructions) process.stdout.write(`${b.instructions}\n`);
  else if (what) process.stdout.write(`${what}\n`);
};

export function registerDevice(program: Command) {
  const device = program.command('device').description('manage the device registry');
  device
    .command('add')
    .description('register a device and print its secret (shown once, stored only as a hash)')
    .requiredOption('--id <id>', 'device id, e.g. lk-01')
    .requiredOption('--kind <kind>', 'device kind: ble-scanner, beacon, mirror, locker, …')
    .option('--zone <zone>', 'store zone, e.g. backroom')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON')
    .action(async (o: { id: string; kind: string; zone?: string; config?: string; json?: boolean }) => {
      const { device, secret, broker, provisioner } = await withDevices(o.config, async (a) => ({
        ...(await a.add({ id: o.id, kind: o.kind, zone: o.zone ?? null })),
        provisioner: a.provisioner.kind,
      }));
      if (o.json) process.stdout.write(`${JSON.stringify({ id: device.id, kind: device.kind, zone: device.zone, secret, broker })}\n`);
      else {
        process.stdout.write(
          `device ${device.id} (${device.kind}${device.zone ? `, zone ${device.zone}` : ''}) registered\n` +
            `MQTT username: ${device.id}\nMQTT password: ${secret}\n(the secret is shown only now; revoke and re-add to replace it)\n`,
        );
        printBroker(
          broker,
          provisioner === 'mosquitto-dynsec' ? "provisioned on the broker (mosquitto dynamic security: a client and a role with the device's own topics)" : '',
        );
      }
    });
  device
    .command('list')
    .description('list registered devices')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON lines')
    .action(async (o: { config?: string; json?: boolean }) => {
      const config = loadConfig(o.config ? { file: o.config } : {});
      const db = await openDb(join(resolve(config.dataDir), 'storegate.db'), { synchronous: config.store.synchronous });
      const list = await migrate(db, coreMigrations)
        .then(() => createRegistry({ db, clock: systemClock }).list())
        .finally(() => db.close());
      if (o.json) {
        for (const d of list) process.stdout.write(`${JSON.stringify(d)}\n`);
        return;
      }
      const rows = list.map((d) => [d.id, d.kind, d.zone ?? '-', d.enabled ? 'enabled' : 'revoked', d.lastSeenAt ?? 'never']);
      const head = ['ID', 'KIND', 'ZONE', 'STATE', 'LAST SEEN'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
      for (const r of [head, ...rows]) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}\n`);
    });
  device
    .command('revoke')
    .description('revoke a device: its secret stops working and a running gateway disconnects it')
    .argument('<id>', 'device id')
    .option('-c, --config <file>', 'config file')
    .action(async (id: string, o: { config?: string }) => {
      const { revoked, broker, provisioner } = await withDevices(o.config, async (a) => ({ ...(await a.revoke(id)), provisioner: a.provisioner.kind }));
      if (!revoked) {
        process.stderr.write(`storegate: no enabled device "${id}"\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`device ${id} revoked\n`);
      printBroker(broker, provisioner === 'mosquitto-dynsec' ? 'deleted on the broker (mosquitto dynamic security): disconnected' : '');
    });
}
