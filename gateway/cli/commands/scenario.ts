import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { startCloudReceiver } from '../../../simulators/scenario/cloud.ts';
import { SCENARIO_DEVICES, scenarioGatewayConfig } from '../../../simulators/scenario/gateway-config.ts';
import { type ScenarioSize, SIZES, makePlan } from '../../../simulators/scenario/plan.ts';
import { runScenario } from '../../../simulators/scenario/run.ts';
import { loadConfig } from '../../config/load.ts';
import { createLogger } from '../../log.ts';
import { createGateway } from '../../main.ts';
import { newSecret } from '../../registry/registry.ts';

/**
 * `storegate scenario --seed N`: a gateway of its own (embedded broker, temp SQLite, ports chosen by the OS), a
 * local cloud receiver, and the seeded store day played against them over the network. Prints the report;
 * exits 1 when what the gateway stored or forwarded differs from what the plan expects.
 */
export function registerScenario(program: Command) {
  program
    .command('scenario')
    .description('play a seeded, deterministic store day (compressed in time) against a fresh gateway and check what it stored and forwarded')
    .option('--seed <n>', 'random seed: same seed, same events, same expected outcomes', '1')
    .option('--size <size>', `small (2 store hours, ~30 s) or day (8 store hours, ~2 min)`, 'small')
    .option('--speed <x>', 'store time per real time', '240')
    .option('--data-dir <dir>', 'gateway data dir (default: a new temp dir); its log is scenario.log')
    .option('--plan', 'print the plan and its expected outcomes as JSON, and exit')
    .option('--break-expectation <key>', 'change one expected outcome on purpose (e.g. sessionsClosed) to see the run fail')
    .option('--quiet', 'no progress lines')
    .action(async (o: { seed: string; size: string; speed: string; dataDir?: string; plan?: boolean; breakExpectation?: string; quiet?: boolean }) => {
      const seed = Number.parseInt(o.seed, 10);
      if (!Number.isInteger(seed) || !(o.size in SIZES)) throw new Error('--seed must be an integer and --size small or day');
      const plan = makePlan(seed, o.size as ScenarioSize, Number(o.speed) || 240);
      if (o.plan) {
        process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
        return;
      }
      const dataDir = resolve(o.dataDir ?? mkdtempSync(join(tmpdir(), 'storegate-scenario-')));
      mkdirSync(dataDir, { recursive: true });
      const cloud = await startCloudReceiver();
      const secrets = Object.fromEntries(SCENARIO_DEVICES.map((d) => [d.id, newSecret()]));
      const staffToken = randomBytes(18).toString('base64url');
      const config = loadConfig({
        env: {},
        overrides: {
          ...scenarioGatewayConfig({ cloudUrl: cloud.url, secrets, downlink: cloud.downlink }),
          dataDir,
          'http.host': '127.0.0.1',
          'http.port': 0,
          'http.adminToken': randomBytes(18).toString('base64url'),
          'http.staffToken': staffToken,
          'mqtt.host': '127.0.0.1',
          'mqtt.port': 0,
          'mqtt.wsPort': 0,
        },
      });
      const log = createLogger({ level: 'info', destination: createWriteStream(join(dataDir, 'scenario.log')) });
      const gw = await createGateway(config, { log });
      await gw.start();
      // on a terminal the status line rewrites itself once a second; piped, it is a line every 2 s
      const tty = process.stderr.isTTY === true;
      const say = (line: string) => process.stderr.write(`${tty ? '\r\x1b[K' : ''}${line}\n`);
      const status = tty ? (line: string) => process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns || 120) - 1)}`) : undefined;
      if (!o.quiet) say(`scenario: gateway on http://127.0.0.1:${gw.ports.http} mqtt://127.0.0.1:${gw.ports.mqtt}, cloud ${cloud.url}, data ${dataDir}`);
      let ok = false;
      try {
        const result = await runScenario(
          plan,
          {
            mqttUrl: `mqtt://127.0.0.1:${gw.ports.mqtt}`,
            httpUrl: `http://127.0.0.1:${gw.ports.http}`,
            staffToken,
            storeId: config.storeId,
            secrets,
            cloud,
            downlink: true,
            dbFile: join(dataDir, 'storegate.db'),
          },
          {
            ...(o.quiet ? {} : { progress: say, ...(status ? { status } : {}) }),
            ...(o.breakExpectation ? { breakExpectation: o.breakExpectation as never } : {}),
          },
        );
        ok = result.ok;
        writeFileSync(join(dataDir, 'cloud-events.json'), JSON.stringify(cloud.events(), null, 1));
        if (tty && !o.quiet) process.stderr.write('\r\x1b[K');
        process.stdout.write(`${result.report}\n`);
      } finally {
        await gw.stop();
        await cloud.close();
      }
      process.exitCode = ok ? 0 : 1;
    });
}
