import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { maskSecrets } from '../../config/secrets.ts';

export function registerConfig(program: Command) {
  const config = program.command('config').description('inspect the configuration');
  config
    .command('check')
    .description('validate the config (file + STOREGATE_* env + defaults) and print the effective config, secrets masked')
    .option('-c, --config <file>', 'JSON or YAML config file')
    .action((opts: { config?: string }) => {
      const cfg = loadConfig({ ...(opts.config ? { file: opts.config } : {}) });
      process.stdout.write(`${JSON.stringify(maskSecrets(cfg), null, 2)}\n`);
      process.stderr.write('config ok\n');
    });
}
