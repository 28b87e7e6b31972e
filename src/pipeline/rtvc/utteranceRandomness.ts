/**
 * The random parts of one RTVC utterance from a single seed: the prenet dropout masks and the
 * WaveRNN sampler's uniforms (mulberry32 streams, as clonecast's vocoder), so a `speak` seed fixes
 * the audio. The two streams are seeded differently so they do not share draws.
 */
import { nextUniform } from '../vocoder/rng.js';
import { seededKeep, type KeepSource } from './prenetDropout.js';

/** Uniforms in [0, 1) for the sampler, `n` at a time. */
export function seededUniforms(seed: number): (n: number) => Float64Array {
  let state = seed >>> 0;
  return (n) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) [state, out[i]] = nextUniform(state);
    return out;
  };
}

/** Per-fold uniforms for the batched (folded) WaveRNN: one stream per fold, row 0's is `seed`'s. */
export function seededRowUniforms(seed: number): (row: number, n: number) => Float64Array {
  const rows = new Map<number, (n: number) => Float64Array>();
  return (row, n) => {
    let next = rows.get(row);
    if (!next) rows.set(row, (next = seededUniforms((seed + Math.imul(row, 0x9e3779b9)) >>> 0)));
    return next(n);
  };
}

/** Dropout masks and both kinds of sampler uniforms of one utterance, from its seed. */
export function utteranceRandomness(seed: number, prenetDropout: number): {
  keep: KeepSource; uniforms: (n: number) => Float64Array; rowUniforms: (row: number, n: number) => Float64Array;
} {
  return { keep: seededKeep((seed ^ 0x5bd1e995) >>> 0, prenetDropout), uniforms: seededUniforms(seed), rowUniforms: seededRowUniforms(seed) };
}
