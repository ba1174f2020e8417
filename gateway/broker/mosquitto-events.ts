/**
 * mosquitto's own client events: with `log_dest topic` it publishes its notices on `$SYS/broker/log/N`, among
 * them every client connect (with the username) and disconnect (client id only). Pure parsing of those lines
 * (mosquitto 2.0 wording; `log_timestamp` may prefix them with `<epoch>: `).
 */
export const MOSQUITTO_LOG_TOPIC = '$SYS/broker/log/N';

export type MosquittoClientEvent = { connected: true; clientId: string; username: string | null } | { connected: false; clientId: string };

const CONNECTED = /New client connected from \S+ as (\S+) \(p\d+, c\d+, k\d+(?:, u'(.*)')?\)\.$/;
const GONE = [
  /Client (\S+) (?:closed its connection|disconnected|been disconnected|has exceeded timeout)/,
  /Socket error on client (\S+), disconnecting/,
  /Client (\S+) already connected, closing old connection/,
];

export function parseMosquittoLog(line: string): MosquittoClientEvent | null {
  const text = line.replace(/^\d+: /, '').trim();
  const c = CONNECTED.exec(text);
  if (c?.[1]) return { connected: true, clientId: c[1], username: c[2] ?? null };
  for (const re of GONE) {
    const m = re.exec(text);
    if (m?.[1] && m[1] !== '<unknown>') return { connected: false, clientId: m[1] };
  }
  return null;
}
