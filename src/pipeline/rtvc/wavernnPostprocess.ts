/**
 * RTVC's vocoder post-processing (infer_waveform after the sample loop), in float64 as RTVC does
 * it: class -> x = 2 c / (C - 1) - 1 (float32, as the sampler feeds it back), mu-law decoding,
 * de-emphasis by lfilter([1], [1, -a]) and the linear fade over the last `fadeOut` samples.
 */

/** A sampled class as the float32 sample value RTVC feeds back and returns. */
export function classToSample(cls: number, classes: number): number {
  return Math.fround(Math.fround(2 * cls) / (classes - 1) - 1);
}

/** sign(y) / mu * ((1 + mu)^|y| - 1), mu = classes - 1. */
export function mulawDecode(y: number, classes: number): number {
  const mu = classes - 1;
  return (Math.sign(y) / mu) * ((1 + mu) ** Math.abs(y) - 1);
}

/** De-emphasis with carried state (`prev` = last output; 0 at the start). */
export class Deemphasis {
  prev = 0;
  constructor(readonly coefficient: number) {}

  /** In place over `x`. */
  apply(x: Float64Array): Float64Array {
    let p = this.prev;
    for (let i = 0; i < x.length; i++) x[i] = p = x[i] + this.coefficient * p;
    this.prev = p;
    return x;
  }
}

/** Multiplies the last `n` samples of `x` by linspace(1, 0, n) (numpy's linspace, endpoints included). */
export function fadeOutTail(x: Float64Array, n: number): void {
  const len = Math.min(n, x.length);
  const from = x.length - len;
  for (let i = 0; i < len; i++) x[from + i] *= len === 1 ? 1 : 1 - i / (len - 1);
}
