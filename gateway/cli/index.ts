import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/load.ts';
import { VERSION } from '../main.ts';
import { registerBleDecode } from './commands/ble-decode.ts';
import { registerCatalog } from './commands/catalog.ts';
import { registerCerts } from './commands/certs.ts';
import { registerConfig } from './commands/config.ts';
import { registerDemo } from './commands/demo.ts';
import { registerDevice } from './commands/device.ts';
import { registerLocker } from './commands/locker.ts';
import { registerPrivacy } from './commands/privacy.ts';
import { registerScenario } from './commands/scenario.ts';
import { registerRecognize } from './commands/recognize.ts';
import { registerSimulate } from './commands/simulate.ts';
import { registerStart } from './commands/start.ts';

/** Each command module registers itself here. Add one line per tool subcommand. */
const COMMANDS: Array<(program: Command) => void> = [
  registerStart,
  registerDemo,
  registerConfig,
  registerDevice,
  registerCerts,
  registerRecognize,
  registerCatalog,
  registerBleDecode,
  registerLocker,
  registerScenario,
  registerSimulate,
  registerPrivacy,
];

export async function main(argv: string[]) {
  const program = new Command('storegate')
    .description('Smart-store IoT edge gateway: BLE presence, fitting-room mirrors, parcel lockers, store-and-forward')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  for (const register of COMMANDS) register(program);
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
