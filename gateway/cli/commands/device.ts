import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { systemClock } from '../../clock.ts';
import { loadConfig } from '../../config/load.ts';
import { createRegistry } from '../../registry/registry.ts';
import { coreMigrations } from '../../store/core-migrations.ts';
import { openDb } from '../../store/db.ts';
import { migrate } from '../../store/migrate.ts';

/** Works on the data dir's database directly, so it runs with or without a gateway; a running one notices revocations. */
async function withRegistry<T>(configFile: string | undefined, fn: (r: ReturnType<typeof createRegistry>) => Promise<T>) {
  const config = loadConfig(configFile ? { file: configFile } : {});
  const db = await openDb(join(resolve(config.dataDir), 'storegate.db'), { synchronous: config.store.synchronous });
  try {
    await migrate(db, coreMigrations);
    return await fn(createRegistry({ db, clock: systemClock }));
  } finally {
    await db.close();
  }
}

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
      const { device, secret } = await withRegistry(o.config, (r) => r.add({ id: o.id, kind: o.kind, zone: o.zone ?? null }));
      if (o.json) process.stdout.write(`${JSON.stringify({ id: device.id, kind: device.kind, zone: device.zone, secret })}\n`);
      else
        process.stdout.write(
          `device ${device.id} (${device.kind}${device.zone ? `, zone ${device.zone}` : ''}) registered\n` +
            `MQTT username: ${device.id}\nMQTT password: ${secret}\n(the secret is shown only now; revoke and re-add to replace it)\n`,
        );
    });
  device
    .command('list')
    .description('list registered devices')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON lines')
    .action(async (o: { config?: string; json?: boolean }) => {
      const list = await withRegistry(o.config, (r) => r.list());
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
      const ok = await withRegistry(o.config, (r) => r.revoke(id));
      if (!ok) {
        process.stderr.write(`storegate: no enabled device "${id}"\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`device ${id} revoked\n`);
    });
}
