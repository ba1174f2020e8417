// The reference for `storegate recognize`: sharp by itself, in its own process, decoding the same JPEG files to
// 28x28 greyscale one after the other (node bench/sharp-alone.mjs <files…>). bench/recognition.ts times both
// whole commands from outside.
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';

let n = 0;
for (const file of process.argv.slice(2)) {
  await sharp(await readFile(file))
    .greyscale()
    .resize(28, 28)
    .raw()
    .toBuffer();
  n++;
}
process.stdout.write(`${n}\n`);
