import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { startCloudReceiver } from '../../../simulators/scenario/cloud.ts';
import { SCENARIO_DEVICES, SCENARIO_MIRROR, scenarioGatewayConfig } from '../../../simulators/scenario/gateway-config.ts';
import { makePlan } from '../../../simulators/scenario/plan.ts';
import { runScenario } from '../../../simulators/scenario/run.ts';
import { createWriteStream } from 'node:fs';
import { newSecret } from '../../registry/registry.ts';
import { runGateway } from './start.ts';

/** Device secrets are made on first run and kept in the demo data dir, like the days already played. */
function demoState(dataDir: string) {
  mkdirSync(dataDir, { recursive: true });
  const secretsFile = join(dataDir, 'demo-device-secrets.json');
  const secrets: Record<string, string> = existsSync(secretsFile) ? JSON.parse(readFileSync(secretsFile, 'utf8')) : {};
  for (const d of SCENARIO_DEVICES) secrets[d.id] ??= newSecret();
  writeFileSync(secretsFile, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  // each day is a new seed (new order ids, return ids), also across restarts on the same data dir
  const dayFile = join(dataDir, 'demo-days.json');
  const played = existsSync(dayFile) ? Number((JSON.parse(readFileSync(dayFile, 'utf8')) as { played?: number }).played) || 0 : 0;
  return { secrets, played, savePlayed: (n: number) => writeFileSync(dayFile, JSON.stringify({ played: n })) };
}

/**
 * `storegate demo`: the gateway on its embedded defaults (aedes, SQLite in the data dir, sample catalog, shipped
 * model) with the store-day scenario playing one day after another at a watchable pace: shoppers walking the floor,
 * trying items at the fitting-room mirror, staff loading the lockers, pickups and returns, and the day's faults
 * (a scanner stalls, a door jams, the cloud is down for an hour). A local "cloud" receiver shows what was forwarded.
 */
export function registerDemo(program: Command) {
  program
    .command('demo')
    .description('run the gateway on embedded defaults with a simulated store day playing continuously, and print the dashboard, mirror and staff URLs')
    .option('-c, --config <file>', 'JSON or YAML config file (the demo store is added to it)')
    .option('--data-dir <dir>', 'data directory for the demo', './data/demo')
    .option('--speed <x>', 'store time per real time (120: an 8-hour day in 4 minutes)', '120')
    .option('--quiet', 'no progress lines (what happens in the store); URLs and day summaries only')
    .action(async (o: { config?: string; dataDir: string; speed: string; quiet?: boolean }) => {
      const dataDir = resolve(process.env.STOREGATE_DATA_DIR ?? o.dataDir);
      const state = demoState(dataDir);
      const staffToken = process.env.STOREGATE_STAFF_TOKEN ?? 'demo-staff-token';
      const speed = Number(o.speed) > 0 ? Number(o.speed) : 120;
      // a local stand-in for the cloud, so the demo shows what leaves the store (product ids, never frames)
      const cloud = await startCloudReceiver();
      // the store's story is told by the progress lines below; the gateway's own log goes to a file in the data dir
      const logFile = join(dataDir, 'demo.log');
      const gw = await runGateway(
        o.config,
        {
          ...scenarioGatewayConfig({ cloudUrl: cloud.url, secrets: state.secrets, downlink: cloud.downlink }),
          dataDir,
          storeId: process.env.STOREGATE_STORE_ID ?? 'demo',
          'http.staffToken': staffToken,
        },
        () => createWriteStream(logFile, { flags: 'a' }),
      );
      const httpUrl = `http://localhost:${gw.ports.http}`;
      const admin = gw.adminToken.token;
      // per-person logins for the staff pages (a demo PIN everyone may know: this is a demo store)
      const DEMO_PIN = '246810';
      for (const [login, name, role] of [
        ['fiona', 'Fiona (fitting rooms)', 'fitting'],
        ['luca', 'Luca (lockers)', 'fulfilment'],
      ] as const)
        if (!(await gw.staff.get(login))) await gw.staff.add({ login, name, role, secret: DEMO_PIN });
      process.stdout.write(
        [
          '',
          `storegate demo store "${gw.config.storeId}": a store day every ${Math.round((8 * 3600) / speed / 60)} min (${speed}x), ${SCENARIO_DEVICES.length} simulated devices`,
          `  dashboard:    ${httpUrl}/#token=${encodeURIComponent(admin)}`,
          `  mirror:       ${httpUrl}/mirror/${SCENARIO_MIRROR.id}#key=${encodeURIComponent(state.secrets[SCENARIO_MIRROR.id] ?? '')}`,
          `  staff pages:  ${httpUrl}/staff/fitting-rooms#token=${encodeURIComponent(staffToken)}`,
          `                ${httpUrl}/staff/lockers#token=${encodeURIComponent(staffToken)}  (staff token: ${staffToken})`,
          `  staff logins: fiona (fitting rooms), luca (lockers), PIN ${DEMO_PIN}; ?lang=de for German`,
          `  admin token:  ${admin}`,
          `  API docs:     ${httpUrl}/docs`,
          `  metrics:      ${httpUrl}/metrics`,
          `  cloud:        ${cloud.url}  (a local receiver: what the outbox forwarded)`,
          `  MQTT:         mqtt://localhost:${gw.ports.mqtt}  (WebSocket ws://localhost:${gw.ports.ws})`,
          `  data:         ${dataDir}  (gateway log: ${logFile})`,
          'Ctrl-C to stop.',
          '',
        ].join('\n'),
      );

      const stop = new AbortController();
      // runGateway's own handlers stop the gateway and exit; this one stops the store day first
      process.prependListener('SIGINT', () => stop.abort());
      process.prependListener('SIGTERM', () => stop.abort());
      const tty = process.stderr.isTTY === true;
      const say = (line: string) => process.stderr.write(`${tty ? '\r\x1b[K' : ''}${line}\n`);
      // the once-a-second status line rewrites itself on a terminal; piped to a file it is left out
      const status = (line: string) => {
        if (tty) process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns || 120) - 1)}`);
      };
      const target = {
        mqttUrl: `mqtt://127.0.0.1:${gw.ports.mqtt}`,
        httpUrl: `http://127.0.0.1:${gw.ports.http}`,
        staffToken,
        storeId: gw.config.storeId,
        secrets: state.secrets,
        cloud,
        downlink: true,
      };
      void (async () => {
        for (let day = state.played + 1; !stop.signal.aborted; day++) {
          const plan = makePlan(day, 'day', speed);
          if (!o.quiet) say(`day ${day}: ${plan.shoppers.length} shoppers, ${plan.fitting.length} at the mirror, ${plan.lockers.length} locker actions`);
          try {
            const r = await runScenario(plan, target, {
              verify: false,
              endOfDay: true,
              signal: stop.signal,
              ...(o.quiet ? {} : { progress: say, status }),
            });
            if (stop.signal.aborted) break;
            state.savePlayed(day);
            say(`day ${day} over: ${r.report.split('\n').slice(1).join(' ').trim()}`);
          } catch (err) {
            if (stop.signal.aborted) break;
            say(`day ${day} failed: ${(err as Error).message}; next day in 5 s`);
            await new Promise((r) => setTimeout(r, 5000));
          }
        }
      })();
    });
}
