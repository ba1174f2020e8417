import type { Device, Registry } from '../registry/registry.ts';
import type { DeviceLink } from './link.ts';
import type { ProvisionOutcome, Provisioner } from './provisioning.ts';

/**
 * Adding and revoking a device, one path for the CLI, the API and the dashboard: the registry, then the broker
 * (provisioning), then the live connection. A device the broker refuses to provision is not left registered.
 */
export function createDeviceAdmin(deps: {
  registry: Registry;
  provisioner: Provisioner;
  /** the running gateway's broker link; absent in the CLI */
  link?: () => DeviceLink | undefined;
  /** drop cached lookups of a revoked device (ingest) */
  forget?: (deviceId: string) => void;
}) {
  const { registry, provisioner } = deps;
  return {
    provisioner,
    async add(d: { id: string; kind: string; zone?: string | null; secret?: string }): Promise<{ device: Device; secret: string; broker: ProvisionOutcome }> {
      const { device, secret } = await registry.add(d);
      try {
        return { device, secret, broker: await provisioner.add(device, secret) };
      } catch (err) {
        await registry.revoke(device.id);
        throw Object.assign(new Error(`device ${device.id} not registered: the broker did not take it (${(err as Error).message})`), {
          code: 'SG_BROKER_UNAVAILABLE',
        });
      }
    },
    /** false when there was no enabled device of that id */
    async revoke(id: string): Promise<{ revoked: boolean; broker: ProvisionOutcome }> {
      const device = await registry.get(id);
      const revoked = await registry.revoke(id);
      deps.forget?.(id);
      if (!device) return { revoked, broker: { provisioned: true } };
      const link = deps.link?.();
      // the link disconnects it (the embedded broker closes it; mosquitto's dynamic security deletes its client)
      if (link && provisioner.kind !== 'manual') {
        await link.disconnectDevice(id);
        return { revoked, broker: { provisioned: true } };
      }
      await link?.disconnectDevice(id);
      return { revoked, broker: await provisioner.remove(device) };
    },
  };
}

export type DeviceAdmin = ReturnType<typeof createDeviceAdmin>;
