import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { Registry } from '../registry/registry.ts';
import type { DeviceLink } from './link.ts';
import type { BrokerDevice, Provisioner, SeedChange } from './provisioning.ts';

type Seed = Config['devices'][number];

/** What seeding the registry did, for the broker to follow once it is connected. */
export interface SeedPlan {
  devices: Array<{ device: BrokerDevice; secret: string | undefined; changed: SeedChange }>;
  /** seeded by an earlier config, gone from this one: revoked in the registry, still to remove from the broker */
  removed: BrokerDevice[];
}

/**
 * Devices declared in config (`devices: [...]`): registered if absent, their secret updated when the config's
 * changed, and the ones an earlier config declared but this one does not are revoked. Devices added with the CLI or
 * the API are never touched here. Runs before the broker starts; provisionSeeded does the broker's side after.
 */
export async function seedConfigDevices(registry: Registry, seeds: readonly Seed[]): Promise<SeedPlan> {
  const devices: SeedPlan['devices'] = [];
  for (const s of seeds) {
    const before = await registry.get(s.id);
    if (before && !before.enabled) continue; // revoked by store IT: config does not bring it back
    const changed: SeedChange = !before ? 'added' : s.secret && !(await registry.authenticate(s.id, s.secret)).ok ? 'secret' : 'none';
    devices.push({ device: { id: s.id, kind: s.kind }, secret: s.secret, changed });
  }
  await registry.seed(seeds);
  const declared = new Set(seeds.map((s) => s.id));
  const removed: BrokerDevice[] = [];
  for (const d of await registry.list()) {
    if (!d.enabled || d.meta.source !== 'config' || declared.has(d.id)) continue;
    await registry.revoke(d.id);
    removed.push({ id: d.id, kind: d.kind });
  }
  return { devices, removed };
}

/**
 * The broker's side of the seed, once it is connected: each declared device provisioned (idempotent: a device that
 * already matches is left connected), each removed one deleted there (which disconnects it). A broker that refuses is
 * logged, not fatal: the gateway still starts and the devices already provisioned keep working.
 */
export async function provisionSeeded(plan: SeedPlan, deps: { provisioner: Provisioner; link: DeviceLink; log: Logger }) {
  const log = deps.log.child({ module: 'seeded-devices' });
  for (const { device, secret, changed } of plan.devices) {
    try {
      const r = await deps.provisioner.sync(device, secret, changed);
      if (r.updated) log.info({ deviceId: device.id, changed }, 'config device provisioned on the broker');
      if (r.instructions) log.warn({ deviceId: device.id }, r.instructions);
    } catch (err) {
      log.error({ deviceId: device.id, err: (err as Error).message }, 'config device: the broker did not take it');
    }
  }
  for (const device of plan.removed) {
    try {
      log.info({ deviceId: device.id }, 'device no longer in config: revoked');
      // embedded: closes its connection; mosquitto's dynamic security: deletes its client and role
      await deps.link.disconnectDevice(device.id);
      if (deps.provisioner.kind === 'manual') {
        const r = await deps.provisioner.remove(device);
        if (r.instructions) log.warn({ deviceId: device.id }, r.instructions);
      }
    } catch (err) {
      log.error({ deviceId: device.id, err: (err as Error).message }, 'removed config device: the broker did not delete it');
    }
  }
}
