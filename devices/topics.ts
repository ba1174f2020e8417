/**
 * The MQTT topic tree: `storegate/<storeId>/<deviceKind>/<deviceId>/<channel>`. Devices publish their channels
 * (`status`, `event`, `adv`, `frame`, …) and subscribe to `…/cmd`, where the gateway answers.
 */
export const TOPIC_ROOT = 'storegate';

export interface DeviceTopic {
  storeId: string;
  kind: string;
  deviceId: string;
  channel: string;
}

export const deviceTopic = (t: DeviceTopic) => `${TOPIC_ROOT}/${t.storeId}/${t.kind}/${t.deviceId}/${t.channel}`;
export const cmdTopic = (storeId: string, kind: string, deviceId: string) => deviceTopic({ storeId, kind, deviceId, channel: 'cmd' });

export function parseDeviceTopic(topic: string): DeviceTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] !== TOPIC_ROOT) return null;
  const [, storeId, kind, deviceId, channel] = parts as [string, string, string, string, string];
  if (!storeId || !kind || !deviceId || !channel) return null;
  return { storeId, kind, deviceId, channel };
}

/** CloudEvents `source` of a device's events: its topic prefix, `storegate/<storeId>/<kind>/<deviceId>`. */
export const deviceSource = (storeId: string, kind: string, deviceId: string) => `${TOPIC_ROOT}/${storeId}/${kind}/${deviceId}`;
/** CloudEvents `source` of what the gateway itself decides: `storegate/<storeId>/gateway/<service>`. */
export const gatewaySource = (storeId: string, service: string) => `${TOPIC_ROOT}/${storeId}/gateway/${service}`;
