import { cmdTopic } from '../../devices/topics.ts';
import { parseDeviceTopic } from '../../devices/topics.ts';
import type { Device } from '../registry/registry.ts';

/** Who is on the other end of an MQTT connection. */
export type Principal =
  | { role: 'service'; name: string }
  | { role: 'device'; device: Device }
  | { role: 'anonymous' }
  /** a read-only integration (Home Assistant): subscribes under its prefixes only, publishes only its own status */
  | { role: 'observer'; name: string; prefixes: string[] };

type Resolve = (topic: string) => { deviceId: string; kind?: string; channel: string } | null;

/**
 * A device may publish only under its own prefix (`storegate/<storeId>/<kind>/<deviceId>/…`, or a mapped
 * topic such as OpenMQTTGateway's that resolves to its id), never to a `cmd` channel, and may subscribe only
 * to its own `cmd` topic. The service account may do everything; a read-only integration (Home Assistant) may
 * subscribe under its own prefixes only. Anonymous clients (only when config allows)
 * may publish as any registered device: ingest then checks the registry.
 */
export function canPublish(p: Principal, topic: string, storeId: string, resolve: Resolve): string | null {
  if (topic.startsWith('$SYS')) return 'forbidden_topic';
  if (p.role === 'service') return null;
  // Home Assistant announces itself on `<discovery prefix>/status`; it may say nothing else
  if (p.role === 'observer') return p.prefixes[0] && topic === `${p.prefixes[0]}status` ? null : 'forbidden_topic';
  const t = resolve(topic);
  if (!t) return 'forbidden_topic';
  if (t.channel === 'cmd') return 'forbidden_topic';
  const st = parseDeviceTopic(topic);
  if (st && st.storeId !== storeId) return 'forbidden_topic';
  if (p.role === 'anonymous') return null;
  if (t.deviceId !== p.device.id) return 'forbidden_topic';
  if (t.kind && t.kind !== p.device.kind) return 'forbidden_topic';
  return null;
}

export function canSubscribe(p: Principal, topic: string, storeId: string): boolean {
  if (p.role === 'service') return true;
  if (p.role === 'anonymous') return false;
  if (p.role === 'observer') return p.prefixes.some((prefix) => topic.startsWith(prefix));
  const own = cmdTopic(storeId, p.device.kind, p.device.id);
  return topic === own || topic === `${own}/#` || topic.startsWith(`${own}/`);
}
