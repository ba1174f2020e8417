import { cmdTopic, deviceTopic, TOPIC_ROOT } from '../../devices/topics.ts';
import type { Acl, Dynsec, DynsecCommand } from './dynsec.ts';
import { MOSQUITTO_LOG_TOPIC } from './mosquitto-events.ts';

/** A device as the broker must know it. */
export interface BrokerDevice {
  id: string;
  kind: string;
}

/** What provisioning did: done on the broker, or the steps store IT must take by hand. */
export interface ProvisionOutcome {
  provisioned: boolean;
  /** set when the broker has no API for it: printed by `storegate device add|revoke` and returned by the API */
  instructions?: string;
}

/**
 * Puts a device's credentials and its topic rights on the broker. The embedded broker reads the registry, so it
 * needs nothing; mosquitto's dynamic security gets a client and a role; any other broker gets instructions.
 */
export interface Provisioner {
  readonly kind: 'registry' | 'mosquitto-dynsec' | 'manual';
  add(device: BrokerDevice, secret: string): Promise<ProvisionOutcome>;
  /** deletes the broker's client: mosquitto disconnects the device at once */
  remove(device: BrokerDevice): Promise<ProvisionOutcome>;
  /**
   * A device declared in config, at every start: makes the broker match without disturbing a device that already
   * matches (mosquitto disconnects a client whose password or roles change). `changed` says what the registry
   * just did: registered it, gave it a new secret, or nothing. `secret` is the config's (absent: unknown here).
   */
  sync(device: BrokerDevice, secret: string | undefined, changed: SeedChange): Promise<ProvisionOutcome & { updated: boolean }>;
}

export type SeedChange = 'added' | 'secret' | 'none';

/** Topics a device publishes outside the storegate tree (OpenMQTTGateway scanners), from the capabilities. */
export type ExtraDeviceTopics = (device: BrokerDevice) => string[];

export const roleName = (deviceId: string) => `storegate-device-${deviceId}`;
export const GATEWAY_ROLE = 'storegate-gateway';

/**
 * Exactly the device's own topics: publish its channels (`…/<id>/+`) and mapped topics, never its `cmd`;
 * subscribe to and receive its `cmd` only. The same rule as the embedded broker's ACL (acl.ts).
 */
export function deviceAcls(storeId: string, d: BrokerDevice, extra: string[] = []): Acl[] {
  const cmd = cmdTopic(storeId, d.kind, d.id);
  return [
    { acltype: 'publishClientSend', topic: cmd, allow: false, priority: 10 },
    { acltype: 'publishClientSend', topic: deviceTopic({ storeId, kind: d.kind, deviceId: d.id, channel: '+' }), allow: true },
    ...extra.map((topic): Acl => ({ acltype: 'publishClientSend', topic, allow: true })),
    { acltype: 'subscribePattern', topic: cmd, allow: true },
    { acltype: 'publishClientReceive', topic: cmd, allow: true },
  ];
}

/** The gateway's own rights: everything in its store's tree, Home Assistant discovery, and mosquitto's client notices. */
export function gatewayAcls(storeId: string, opts: { subscriptions: string[]; retainedPrefixes: string[] }): Acl[] {
  const tree = `${TOPIC_ROOT}/${storeId}/#`;
  return [
    { acltype: 'publishClientSend', topic: tree, allow: true },
    ...opts.retainedPrefixes.map((p): Acl => ({ acltype: 'publishClientSend', topic: `${p}/#`, allow: true })),
    ...[tree, MOSQUITTO_LOG_TOPIC, ...opts.subscriptions].flatMap((topic): Acl[] => [
      { acltype: 'subscribePattern', topic, allow: true },
      { acltype: 'publishClientReceive', topic, allow: true },
    ]),
  ];
}

export const registryProvisioner: Provisioner = {
  kind: 'registry',
  add: async () => ({ provisioned: true }),
  remove: async () => ({ provisioned: true }),
  sync: async () => ({ provisioned: true, updated: false }),
};

const noSecret = (id: string) =>
  `device "${id}" is declared in config without a secret, so storegate cannot give the broker its password: set devices[].secret ` +
  `(or STOREGATE_DEVICE_${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_SECRET), or register it with \`storegate device add\` instead`;

export function dynsecProvisioner(opts: { storeId: string; dynsec: () => Promise<Dynsec>; extraTopics?: ExtraDeviceTopics }): Provisioner {
  return {
    kind: 'mosquitto-dynsec',
    async add(d, secret) {
      const ds = await opts.dynsec();
      const rolename = roleName(d.id);
      // a re-added id: start from a clean client and role, so no right of the old one survives
      await ds.apply([
        { command: 'deleteClient', username: d.id },
        { command: 'deleteRole', rolename },
      ]);
      await ds.apply([
        {
          command: 'createRole',
          rolename,
          textdescription: `storegate ${d.kind} ${d.id}: its own topics`,
          acls: deviceAcls(opts.storeId, d, opts.extraTopics?.(d)),
        },
        { command: 'createClient', username: d.id, password: secret, textname: `storegate ${d.kind}`, roles: [{ rolename }] },
      ]);
      return { provisioned: true };
    },
    async remove(d) {
      const ds = await opts.dynsec();
      await ds.apply([
        { command: 'deleteClient', username: d.id },
        { command: 'deleteRole', rolename: roleName(d.id) },
      ]);
      return { provisioned: true };
    },
    async sync(d, secret, changed) {
      const ds = await opts.dynsec();
      const rolename = roleName(d.id);
      const [client, role] = await ds.run([
        { command: 'getClient', username: d.id },
        { command: 'getRole', rolename },
      ]);
      const commands: DynsecCommand[] = [];
      if (role?.error)
        commands.push({
          command: 'createRole',
          rolename,
          textdescription: `storegate ${d.kind} ${d.id}: its own topics`,
          acls: deviceAcls(opts.storeId, d, opts.extraTopics?.(d)),
        });
      if (client?.error) {
        // without a secret the client still gets its role (a broker that logs devices in by certificate needs no password)
        commands.push({
          command: 'createClient',
          username: d.id,
          ...(secret ? { password: secret } : {}),
          textname: `storegate ${d.kind}`,
          roles: [{ rolename }],
        });
      } else {
        // only when the password may differ: setting it disconnects the device
        if (secret && changed !== 'none') commands.push({ command: 'setClientPassword', username: d.id, password: secret });
        const roles = (client?.data as { client?: { roles?: { rolename: string }[] } } | undefined)?.client?.roles ?? [];
        if (!roles.some((r) => r.rolename === rolename)) commands.push({ command: 'addClientRole', username: d.id, rolename });
      }
      if (commands.length) await ds.apply(commands);
      const updated = commands.length > 0;
      return secret || !client?.error ? { provisioned: true, updated } : { provisioned: false, updated, instructions: noSecret(d.id) };
    },
  };
}

/** A broker without a provisioning API (nats-server, RabbitMQ, mosquitto with password file + ACL file). */
export function manualProvisioner(opts: { storeId: string; broker: string; extraTopics?: ExtraDeviceTopics }): Provisioner {
  const rights = (d: BrokerDevice) => {
    const pub = [deviceTopic({ storeId: opts.storeId, kind: d.kind, deviceId: d.id, channel: '+' }), ...(opts.extraTopics?.(d) ?? [])];
    return { pub, cmd: cmdTopic(opts.storeId, d.kind, d.id) };
  };
  return {
    kind: 'manual',
    async add(d) {
      const { pub, cmd } = rights(d);
      return {
        provisioned: false,
        instructions: [
          `${opts.broker} has no provisioning API storegate can use: store IT must, on the broker,`,
          `  1. create the MQTT user "${d.id}" with the secret printed above as its password;`,
          `  2. allow it to publish to ${pub.join(', ')} (but not to ${cmd}) and to subscribe to ${cmd} only.`,
          '  For mosquitto with a password file and ACL file:',
          `    mosquitto_passwd /etc/mosquitto/passwd ${d.id}`,
          `    user ${d.id}`,
          ...pub.map((t) => `    topic write ${t}`),
          `    topic read ${cmd}`,
          "  Or load mosquitto's dynamic-security plugin and set mqtt.external.dynamicSecurity: true, and storegate does it.",
        ].join('\n'),
      };
    },
    async sync(d, secret, changed) {
      if (changed === 'none') return { provisioned: false, updated: false };
      const instructions = (await this.add(d, secret ?? '')).instructions?.replace('the secret printed above', 'its secret from the config');
      return { provisioned: false, updated: false, instructions: secret ? instructions : `${noSecret(d.id)}\n${instructions}` };
    },
    async remove(d) {
      return {
        provisioned: false,
        instructions: `${opts.broker}: store IT must delete the MQTT user "${d.id}" on the broker and disconnect its client; until then its secret still logs in there (storegate ignores its messages).`,
      };
    },
  };
}
