import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/load.ts';
import { VERSION } from '../version.ts';

type Register = (program: Command) => void;

/**
 * Each command module registers itself here: add one line per tool subcommand. Modules are loaded on demand (the
 * build makes each one its own chunk), so `storegate start` does not load the simulators, sharp or the certificate
 * tooling; help and unknown commands load them all.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  start: async () => (await import('./commands/start.ts')).registerStart,
  demo: async () => (await import('./commands/demo.ts')).registerDemo,
  config: async () => (await import('./commands/config.ts')).registerConfig,
  device: async () => (await import('./commands/device.ts')).registerDevice,
  certs: async () => (await import('./commands/certs.ts')).registerCerts,
  recognize: async () => (await import('./commands/recognize.ts')).registerRecognize,
  model: async () => (await import('./commands/model.ts')).registerModel,
  catalog: async () => (await import('./commands/catalog.ts')).registerCatalog,
  'ble-decode': async () => (await import('./commands/ble-decode.ts')).registerBleDecode,
  locker: async () => (await import('./commands/locker.ts')).registerLocker,
  scenario: async () => (await import('./commands/scenario.ts')).registerScenario,
  simulate: async () => (await import('./commands/simulate.ts')).registerSimulate,
  privacy: async () => (await import('./commands/privacy.ts')).registerPrivacy,
  staff: async () => (await import('./commands/staff.ts')).registerStaff,
};

/** The command modules argv needs: the one it names, or all of them (help, no command, a typo). */
function commandsFor(argv: string[]): Array<() => Promise<Register>> {
  const name = argv.slice(2).find((a) => !a.startsWith('-'));
  const one = name ? COMMANDS[name] : undefined;
  return one ? [one] : Object.values(COMMANDS);
}

export async function main(argv: string[]) {
  const program = new Command('storegate')
    .description('Smart-store IoT edge gateway: BLE presence, fitting-room mirrors, parcel lockers, store-and-forward')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  for (const register of await Promise.all(commandsFor(argv).map((load) => load()))) register(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    if (err instanceof ConfigError) {
      process.stderr.write(`storegate: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`storegate: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
