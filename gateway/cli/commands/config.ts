import type { Command } from 'commander';
import { loadConfigWithSources } from '../../config/load.ts';
import { maskSecrets } from '../../config/secrets.ts';

export function registerConfig(program: Command) {
  const config = program.command('config').description('inspect the configuration');
  config
    .command('check')
    .description('validate the config (file + STOREGATE_* env + defaults) and print the effective config, secrets masked')
    .option('-c, --config <file>', 'JSON or YAML config file')
    .action((opts: { config?: string }) => {
      const { config: cfg, sources } = loadConfigWithSources({ ...(opts.config ? { file: opts.config } : {}) });
      process.stdout.write(`${JSON.stringify(maskSecrets(cfg), null, 2)}\n`);
      // where each value came from (stderr, so stdout stays the config as JSON); secrets masked
      const show = (v: unknown) => (Array.isArray(v) ? `[${v.length} item${v.length === 1 ? '' : 's'}]` : JSON.stringify(v));
      const width = Math.max(0, ...sources.map((s) => s.key.length));
      const valueWidth = Math.min(40, Math.max(0, ...sources.map((s) => show(s.shown).length)));
      process.stderr.write('where each value came from (every other key: its default):\n');
      for (const s of sources) process.stderr.write(`  ${s.key.padEnd(width)}  ${show(s.shown).padEnd(valueWidth)}  ${s.source}\n`);
      process.stderr.write('config ok\n');
    });
}
