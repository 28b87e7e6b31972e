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

export function utteranceRandomness(seed: number, prenetDropout: number): { keep: KeepSource; uniforms: (n: number) => Float64Array } {
  return { keep: seededKeep((seed ^ 0x5bd1e995) >>> 0, prenetDropout), uniforms: seededUniforms(seed) };
}
