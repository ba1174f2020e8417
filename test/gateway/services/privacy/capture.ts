import { createServer, connect, type Socket } from 'node:net';
import { onTestFinished } from 'vitest';

/**
 * A TCP pass-through in front of a cloud endpoint that keeps every byte the gateway sends through it (HTTP
 * request lines, headers and bodies; MQTT CONNECT, topics and payloads), so a test can inspect exactly what
 * left the store.
 */
export async function startTcpCapture(targetPort: number) {
  const sent: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (d: Buffer) => sent.push(Buffer.from(d)));
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  onTestFinished(close);
  return { port: (server.address() as { port: number }).port, bytes: () => Buffer.concat(sent), close };
}

/** What must never leave the store or be stored, as findings: `where: what`. */
export interface Secrets {
  codes: string[];
  macs: string[];
  appUuids: string[];
  /** other credentials seen on the way in (signed return QR tokens) */
  tokens?: string[];
}

const MAC = /(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}(?![0-9A-Fa-f:])/;
const BASE64_BLOB = /[A-Za-z0-9+/]{1024,}={0,2}/;
const JPEG = Buffer.from([0xff, 0xd8, 0xff]);
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

export function inspect(where: string, data: Buffer | string, s: Secrets): string[] {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const text = bytes.toString('latin1');
  const lower = text.toLowerCase();
  const found: string[] = [];
  if (bytes.includes(JPEG)) found.push(`${where}: JPEG bytes`);
  if (bytes.includes(PNG)) found.push(`${where}: PNG bytes`);
  const blob = BASE64_BLOB.exec(text);
  if (blob) found.push(`${where}: base64-like blob of ${blob[0].length} chars`);
  const mac = MAC.exec(text);
  if (mac) found.push(`${where}: MAC address ${mac[0]}`);
  for (const m of s.macs) if (lower.includes(m.replaceAll(':', '').toLowerCase())) found.push(`${where}: MAC ${m} without colons`);
  for (const c of s.codes) if (new RegExp(`(?<![0-9])${c}(?![0-9])`).test(text)) found.push(`${where}: pickup code ${c}`);
  for (const t of s.tokens ?? []) if (text.includes(t)) found.push(`${where}: scanned QR token ${t.slice(0, 10)}…`);
  for (const u of s.appUuids) {
    if (lower.includes(u.toLowerCase())) found.push(`${where}: app uuid ${u}`);
    if (lower.includes(u.replaceAll('-', '').toLowerCase())) found.push(`${where}: app uuid ${u} as hex`);
  }
  return found;
}
