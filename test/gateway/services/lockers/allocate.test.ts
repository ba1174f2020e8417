import { describe, expect, it } from 'vitest';
import { bestFit, fits } from '../../../../gateway/services/lockers/allocate.ts';

const box = (id: string, size: string, w: number, h: number, d: number) => ({ id, size, w, h, d });
const S = box('S1', 'S', 380, 80, 640);
const M = box('M1', 'M', 380, 190, 640);
const L = box('L1', 'L', 380, 410, 640);

describe('best-fit compartment choice', () => {
  it.each([
    ['a flat parcel goes into S', { w: 300, h: 50, d: 200 }, 'S1'],
    ['a parcel on its side still fits S (any rotation)', { w: 60, h: 600, d: 300 }, 'S1'],
    ['a 150 mm high parcel needs M', { w: 300, h: 150, d: 300 }, 'M1'],
    ['a 400 mm cube needs L', { w: 370, h: 400, d: 370 }, 'L1'],
    ['nothing fits a 700 mm long parcel', { w: 100, h: 100, d: 700 }, null],
  ])('%s', (_name, parcel, want) => {
    expect(bestFit(parcel, [L, M, S])?.id ?? null).toBe(want);
  });

  it('prefers the smaller of two that fit and breaks ties by id', () => {
    expect(bestFit({ w: 10, h: 10, d: 10 }, [box('B', 'S', 380, 80, 640), box('A', 'S', 380, 80, 640), M])?.id).toBe('A');
    expect(fits({ w: 380, h: 80, d: 640 }, S)).toBe(true);
    expect(fits({ w: 381, h: 80, d: 640 }, S)).toBe(false);
  });

  it('compares by volume, not by one edge, and keeps the earlier id among equal boxes whatever the order', () => {
    // deep but thin (380·80·640 = 19.5 l) against shallow but tall (380·190·200 = 14.4 l): the smaller volume wins
    const deep = box('D', 'S', 380, 80, 640);
    const tall = box('T', 'M', 380, 190, 200);
    expect(bestFit({ w: 50, h: 50, d: 50 }, [deep, tall])?.id).toBe('T');
    expect(bestFit({ w: 50, h: 50, d: 50 }, [tall, deep])?.id).toBe('T');
    // w·h/d would rank these the other way round (1805 vs 47.5 for D): volume decides
    const a = box('A', 'S', 100, 100, 400);
    const b = box('B', 'S', 200, 200, 50);
    expect(bestFit({ w: 10, h: 10, d: 10 }, [a, b])?.id).toBe('B');
    // equal volume: the lower id, also when the lower id comes first or when a larger box comes between
    for (const order of [
      [box('A', 'S', 380, 80, 640), box('B', 'S', 380, 80, 640)],
      [box('B', 'S', 380, 80, 640), box('A', 'S', 380, 80, 640)],
      [box('A', 'S', 380, 80, 640), M, box('B', 'S', 380, 80, 640)],
      [box('C', 'S', 380, 80, 640), box('A', 'S', 380, 80, 640), box('B', 'S', 380, 80, 640)],
    ])
      expect(bestFit({ w: 10, h: 10, d: 10 }, order)?.id).toBe('A');
    // a smaller box with a higher id still beats a larger one with a lower id
    expect(bestFit({ w: 10, h: 10, d: 10 }, [box('A', 'M', 380, 190, 640), box('Z', 'S', 380, 80, 640)])?.id).toBe('Z');
    expect(bestFit({ w: 10, h: 10, d: 10 }, [box('Z', 'S', 380, 80, 640), box('A', 'M', 380, 190, 640)])?.id).toBe('Z');
  });
});
