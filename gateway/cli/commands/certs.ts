import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import selfsigned from 'selfsigned';

const DAY = 86_400_000;

/**
 * A local CA and a gateway certificate signed by it, for trying TLS on MQTT (TCP and WebSocket) and HTTPS.
 * Devices and browsers trust `ca.crt`; the gateway uses `gateway.crt` + `gateway.key`. For development and labs
 * only: a store's real certificates come from its PKI.
 */
export async function makeDevCerts(outDir: string, hosts: string[], days = 365) {
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const now = new Date();
  const ca = await selfsigned.generate([{ name: 'commonName', value: 'storegate dev CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: now,
    notAfterDate: new Date(now.getTime() + days * DAY),
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const altNames = hosts.map((h) => (/^[\d.]+$|:/.test(h) ? { type: 7 as const, ip: h } : { type: 2 as const, value: h }));
  const leaf = await selfsigned.generate([{ name: 'commonName', value: hosts[0] ?? 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: now,
    notAfterDate: new Date(now.getTime() + days * DAY),
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  const files = {
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    cert: join(dir, 'gateway.crt'),
    key: join(dir, 'gateway.key'),
  };
  writeFileSync(files.caCert, ca.cert);
  writeFileSync(files.caKey, ca.private, { mode: 0o600 });
  writeFileSync(files.cert, leaf.cert);
  writeFileSync(files.key, leaf.private, { mode: 0o600 });
  return files;
}

export function registerCerts(program: Command) {
  const certs = program.command('certs').description('TLS certificates');
  certs
    .command('dev')
    .description('generate a local CA and a gateway certificate for trying MQTTS, WSS and HTTPS')
    .option('--out <dir>', 'where to write ca.crt, ca.key, gateway.crt, gateway.key', './data/tls')
    .option('--host <name...>', 'DNS names or IPs the certificate is valid for', ['localhost', '127.0.0.1', hostname()])
    .option('--days <n>', 'validity in days', '365')
    .action(async (o: { out: string; host: string[]; days: string }) => {
      const f = await makeDevCerts(o.out, o.host, Number(o.days));
      process.stdout.write(
        [
          `wrote ${f.caCert}, ${f.cert}, ${f.key} (valid for ${o.host.join(', ')})`,
          'add to the config:',
          '  http:',
          `    tls: { certFile: ${f.cert}, keyFile: ${f.key} }`,
          '  mqtt:',
          `    tls: { port: 8883, wsPort: 8884, certFile: ${f.cert}, keyFile: ${f.key} }`,
          `devices and browsers trust ${f.caCert}; keep ${f.caKey} away from the gateway.`,
          '',
        ].join('\n'),
      );
    });
}
