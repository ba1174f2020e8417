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
});
