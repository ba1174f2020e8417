import type { Command } from 'commander';
import { silentLogger } from '../../log.ts';
import { recognizeFiles } from '../../services/recognition/index.ts';

export function registerRecognize(program: Command) {
  program
    .command('recognize')
    .description('run the shipped product model on image files (JPEG/PNG/WebP): one JSON line per file, then a summary')
    .argument('<files...>', 'image files')
    .option('--json', 'print JSON lines')
    .action(async (files: string[], o: { json?: boolean }) => {
      const r = await recognizeFiles(files, { json: Boolean(o.json), log: silentLogger });
      process.exitCode = r.exitCode;
    });
}
