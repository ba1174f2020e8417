/**
 * Pre-renders training frames once: Fashion-MNIST **train** items in mirror scenes (models/mirror-world.ts), each
 * JPEG run through the gateway's own decode + preprocessing, the resulting 28x28 kept as bytes (x/255 before
 * normalisation) for models/train.py --frames. So the model trains on exactly what the gateway feeds it.
 *
 *   npx tsx models/render-training.ts --from 0 --to 60000 --pass 1 --out /tmp/frames/part-a [--contrast even]
 *
 * Writes <out>.u8 (784 bytes per frame) and <out>.labels (1 byte per frame; frames the preprocessing rejects are
 * left out and counted). Seeds are pass × 10^5 + index (below the held-out set's range).
 */
import { openSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { decodeGrey, MEAN, STD, toTensor } from '../gateway/services/recognition/preprocess.ts';
import { DEBIAN_FASHION_MNIST, readIdx, xorshift } from './camera-frames.ts';
import { contrastInBand } from './heldout-set.ts';
import { randomScene, renderScene } from './mirror-world.ts';

const LIMITS = { maxBytes: 8 << 20, maxInputPixels: 24_000_000 };
/** --contrast even: the frame's own draws for its contrast band (band i mod 3) */
const contrastRand = (seed: number) => {
  const r = xorshift(seed * 31 + 7);
  r();
  return r;
};

const { values } = parseArgs({
  options: {
    from: { type: 'string', default: '0' },
    to: { type: 'string', default: '60000' },
    pass: { type: 'string', default: '1' },
    /** share of 640x480 frames (the rest 320x240; both decode to the same working size, the small ones are cheaper) */
    big: { type: 'string', default: '0.25' },
    out: { type: 'string', default: '/tmp/storegate-frames/part' },
    /**
     * 'even': item-vs-wall contrast drawn from the held-out set's three bands in turn (similar 8-25, medium 25-70,
     * high 70-150 grey levels) instead of the scene sampler's mix (about a quarter similar): more frames of the
     * hardest condition. Walls, backgrounds and everything else stay the sampler's.
     */
    contrast: { type: 'string', default: 'sampler' },
  },
});
const from = Number(values.from);
const to = Number(values.to);
const pass = Number(values.pass);
const train = readIdx(`${DEBIAN_FASHION_MNIST}train-images-idx3-ubyte.gz`, `${DEBIAN_FASHION_MNIST}train-labels-idx1-ubyte.gz`, to);
const px = openSync(`${values.out}.u8`, 'w');
const lab = openSync(`${values.out}.labels`, 'w');
let kept = 0;
let rejected = 0;
const t0 = performance.now();
const row = Buffer.alloc(784);
for (let i = from; i < Math.min(to, train.images.length); i++) {
  const seed = pass * 100_000 + i;
  const big = ((Math.imul(seed, 2246822519) >>> 0) % 1000) / 1000 < Number(values.big);
  const size = big ? { width: 640, height: 480 } : { width: 320, height: 240 };
  const base = randomScene(seed, size);
  const scene = values.contrast === 'even' ? { ...base, contrast: contrastInBand(i, base.wall, contrastRand(seed)) } : base;
  const jpeg = await renderScene(train.images[i]!, scene);
  try {
    const t = toTensor(await decodeGrey(jpeg, LIMITS));
    for (let k = 0; k < 784; k++) row[k] = Math.max(0, Math.min(255, Math.round((t[k]! * STD + MEAN) * 255)));
    writeSync(px, row);
    writeSync(lab, Buffer.of(train.labels[i]!));
    kept++;
  } catch {
    rejected++;
  }
  if ((i - from) % 2000 === 1999) console.log(`${i + 1 - from}/${to - from} kept ${kept} rejected ${rejected} ${((performance.now() - t0) / (i + 1 - from)).toFixed(1)} ms/frame`);
}
console.log(`done: kept ${kept} rejected ${rejected} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
