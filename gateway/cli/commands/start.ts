import type { Command } from 'commander';
import type { DestinationStream } from 'pino';
import { loadConfig } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import { maskSecrets, secretValues } from '../../config/secrets.ts';
import { createLogger } from '../../log.ts';
import { createGateway } from '../../main.ts';

/**
 * Runs the gateway until SIGINT/SIGTERM; `logTo` picks where its log goes (default: stdout, as configured).
 * The log never carries a config secret: the effective config is logged masked, and every secret value of the
 * config is scrubbed from any line that would hold it.
 */
export async function runGateway(configFile: string | undefined, overrides: Record<string, unknown> = {}, logTo?: (config: Config) => DestinationStream) {
  const config = loadConfig({ ...(configFile ? { file: configFile } : {}), overrides });
  const destination = logTo?.(config);
  const log = createLogger({
    level: config.log.level,
    pretty: config.log.pretty ?? process.stdout.isTTY,
    secrets: secretValues(config),
    ...(destination ? { destination } : {}),
  });
  // masking walks the whole config: only when the line is written
  if (log.isLevelEnabled('debug')) log.debug({ config: maskSecrets(config) }, 'effective config');
  const gw = await createGateway(config, { log });
  if (gw.adminToken.generated) {
    // printed once, to the terminal, never to the log
    process.stdout.write(`\nadmin token (saved in ${gw.adminToken.file}): ${gw.adminToken.token}\n\n`);
  }
  await gw.start();
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    gw.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      gw.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, 8000);
    force.unref();
    gw.stop().then(
      () => process.exit(0),
      (err) => {
        gw.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  return gw;
}

export function registerStart(program: Command) {
  program
    .command('start')
    .description('run the gateway (embedded broker, SQLite store, HTTP API and dashboard)')
    .option('-c, --config <file>', 'JSON or YAML config file')
    .action(async (o: { config?: string }) => {
      const gw = await runGateway(o.config);
      process.stdout.write(`storegate ${gw.config.storeId}: http://localhost:${gw.ports.http}/  mqtt://localhost:${gw.ports.mqtt}\n`);
    });
}
