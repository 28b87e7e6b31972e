/** Loads test/fixtures/dsp/ (written by training/scripts/make_dsp_fixtures.py from features.py). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FeatureSpec } from '../../src/pipeline/audio/featureSpec.js';

const DIR = fileURLToPath(new URL('../../../test/fixtures/dsp/', import.meta.url));

export interface DspFixtures {
  readonly specs: { readonly encoderMel: FeatureSpec; readonly synthMel: FeatureSpec };
  readonly sampleRate: number;
  /** Named float32 arrays with their shapes. */
  array(name: string): { data: Float32Array; shape: number[] };
}

export function loadDspFixtures(): DspFixtures {
  const index = JSON.parse(readFileSync(DIR + 'dsp.json', 'utf8'));
  const bin = readFileSync(DIR + 'dsp.bin');
  const bytes = new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength).slice();
  return {
    specs: index.specs,
    sampleRate: index.sampleRate,
    array(name) {
      const entry = index.arrays[name];
      if (!entry) throw new Error(`no fixture array ${name}`);
      const count = (entry.shape as number[]).reduce((a, b) => a * b, 1);
      return { data: new Float32Array(bytes.buffer, entry.offset, count), shape: entry.shape };
    },
  };
}

/** Largest absolute elementwise difference (arrays must have equal length). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** Deterministic pseudo-random numbers in [0, 1) (LCG), for piece sizes and noise in tests. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
