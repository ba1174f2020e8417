import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';

type Opts = { config?: string; url?: string; json?: boolean; sha256?: string };

/**
 * `storegate model status|promote|rollback` talks to the running gateway's admin API
 * (`/api/v1/recognition/models…`): a promotion swaps the model in that process and commits its slot change and cloud
 * event there, so the CLI does not edit the database behind its back. The admin token comes from the config
 * (`http.adminToken`, `STOREGATE_ADMIN_TOKEN[_FILE]`) or `<dataDir>/admin-token`, and is never printed.
 */
function target(o: Opts): { url: string; token: string } {
  const config = loadConfig(o.config ? { file: o.config } : {});
  const host = ['0.0.0.0', '::', ''].includes(config.http.host) ? '127.0.0.1' : config.http.host;
  const url = (o.url ?? `${config.http.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${config.http.port}`).replace(/\/$/, '');
  const file = join(resolve(config.dataDir), 'admin-token');
  const token = config.http.adminToken ?? (existsSync(file) ? readFileSync(file, 'utf8').trim() : '');
  if (!token) throw new Error(`no admin token: set http.adminToken / STOREGATE_ADMIN_TOKEN, or run from the gateway's directory (${file})`);
  return { url, token };
}

async function call(o: Opts, method: 'GET' | 'POST', path: string, body?: unknown) {
  const t = target(o);
  let res: Response;
  try {
    res = await fetch(`${t.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${t.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new Error(`cannot reach the gateway at ${t.url} (${(err as Error).message}): is it running (storegate start)? --url sets the address`);
  }
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${res.status} ${String(json.code ?? '')} ${String(json.message ?? res.statusText)}`.replace(/\s+/g, ' ').trim());
  return json;
}

type Info = { id: string; sha256: string; version: string | null; origin?: string; agreement?: number | null; shadowFrames?: number } | null;
const line = (slot: string, m: Info) =>
  `${slot.padEnd(9)}${m ? `${m.id}  ${m.version ?? '(configured)'}  sha256 ${m.sha256}` : '-'}${m?.shadowFrames !== undefined ? `  agreement ${m.agreement == null ? '-' : `${(m.agreement * 100).toFixed(1)}%`} over ${m.shadowFrames} frames` : ''}`;

function human(s: Record<string, unknown>): string {
  const history = (s.history as Array<{ at: number; action: string; version: string | null; sha256: string | null; reason: string | null }>) ?? [];
  return [
    line('live', s.live as Info),
    line('shadow', s.shadow as Info),
    line('previous', s.previous as Info),
    ...(history.length ? ['history:'] : []),
    ...history.map((h) => `  ${new Date(h.at).toISOString()}  ${h.action}  ${h.version ?? ''} ${h.sha256?.slice(0, 12) ?? ''}  ${h.reason ?? ''}`),
  ].join('\n');
}

export function registerModel(program: Command) {
  const model = program.command('model').description("the running gateway's recognition models: live, shadow, previous (admin API)");
  const common = (c: Command) =>
    c.option('-c, --config <file>', 'config file (for the port and admin token)').option('--url <url>', 'the gateway, e.g. http://127.0.0.1:8080');
  common(
    model.command('status').description('show the live, shadow and previous model, the shadow agreement and the history').option('--json', 'print JSON'),
  ).action(async (o: Opts) => {
    const s = await call(o, 'GET', '/api/v1/recognition/models');
    process.stdout.write(`${o.json ? JSON.stringify(s, null, 2) : human(s)}\n`);
  });
  common(
    model
      .command('promote')
      .description('make the shadow model live; the live one becomes the previous')
      .option('--sha256 <hex>', 'only if this is the shadow'),
  ).action(async (o: Opts) => {
    const r = await call(o, 'POST', '/api/v1/recognition/models/promote', o.sha256 ? { sha256: o.sha256 } : {});
    process.stdout.write(`${JSON.stringify(r)}\n`);
  });
  common(model.command('rollback').description('make the previous model live again')).action(async (o: Opts) => {
    const r = await call(o, 'POST', '/api/v1/recognition/models/rollback');
    process.stdout.write(`${JSON.stringify(r)}\n`);
  });
}
