/**
 * Keep-multipliers for RTVC's prenet dropout, which RTVC leaves on at inference (p = 0.5): each
 * unit is kept with probability 1 - p and then scaled by 1 / (1 - p). The Tacotron graphs take
 * these multipliers as inputs, so the masks can be seeded (reproducible speech), injected (parity
 * with RTVC's recorded masks) or all ones (the deterministic mode).
 */
import { nextUniform } from '../vocoder/rng.js';

/** The prenet layers, in RTVC's RNG order: encoder fc1, fc2, then per decoder step fc1, fc2. */
export type PrenetLayer = 'enc1' | 'enc2' | 'dec1' | 'dec2';

/** Multipliers for `count` units of `layer` (`step` is the decoder step, -1 for the encoder). */
export type KeepSource = (layer: PrenetLayer, step: number, count: number) => Float32Array;

/** Dropout off: every multiplier 1 (RTVC with `prenet.p = 0`). */
export const deterministicKeep: KeepSource = (_layer, _step, count) => new Float32Array(count).fill(1);

/** RTVC's dropout from a seeded generator: same seed, same masks, same speech. */
export function seededKeep(seed: number, p: number): KeepSource {
  let state = seed >>> 0;
  return (_layer, _step, count) => {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const [next, u] = nextUniform(state);
      state = next;
      out[i] = u >= p ? 1 / (1 - p) : 0;
    }
    return out;
  };
}

/**
 * Recorded keep-masks (1 = kept): `enc1`/`enc2` hold [chars x units], `dec1`/`dec2`
 * [steps x units], as the RTVC parity fixtures store them.
 */
export function injectedKeep(masks: Readonly<Record<PrenetLayer, Uint8Array>>, units: Readonly<Record<PrenetLayer, number>>, p: number): KeepSource {
  return (layer, step, count) => {
    const m = masks[layer];
    const from = step < 0 ? 0 : step * units[layer];
    if (from + count > m.length) throw new RangeError(`no recorded ${layer} mask for step ${step}`);
    return Float32Array.from(m.subarray(from, from + count), (k) => k / (1 - p));
  };
}
