/**
 * Output side of the neural vocoder: 9-bit mu-law classes of pre-emphasised audio back to audio
 * (same formulas as training/clonecast_train/vocoder/mulaw.py).
 */

/** Class -> pre-emphasised sample in [-1, 1], for `bits`-bit mu-law (mu = 2^bits - 1). */
export function muLawTable(bits: number): Float64Array {
  const classes = 1 << bits;
  const mu = classes - 1;
  const table = new Float64Array(classes);
  for (let c = 0; c < classes; c++) {
    const y = (2 * c) / mu - 1;
    table[c] = (Math.sign(y) * (Math.pow(1 + mu, Math.abs(y)) - 1)) / mu;
  }
  return table;
}

/**
 * De-emphasis y[n] = x[n] + a*y[n-1] (inverse of the features' pre-emphasis), in place. Returns the
 * last y for the next chunk.
 */
export function deemphasize(x: Float64Array, a: number, previous: number): number {
  let y = previous;
  for (let n = 0; n < x.length; n++) {
    y = x[n] + a * y;
    x[n] = y;
  }
  return y;
}

/** Corner of the output high-pass (Hz): below synthMel's lowest filter (55 Hz), so speech keeps its band. */
export const HIGHPASS_HZ = 40;

/**
 * Second-order Butterworth high-pass at HIGHPASS_HZ, then clipping to [-1, 1] into `out`. De-emphasis
 * (gain 1/(1-a) = 33x at DC for a = 0.97) turns the sampler's white noise and any bias into
 * low-frequency rumble (+20 dB below 60 Hz in silences on a first trained model); the mel says
 * nothing about that band, so it is removed. `memory` (x[n-1], x[n-2], y[n-1], y[n-2]) is updated.
 */
export function highpassClip(x: Float64Array, sampleRate: number, memory: Float64Array, out: Float32Array): void {
  const k = Math.tan((Math.PI * HIGHPASS_HZ) / sampleRate);
  const norm = 1 / (1 + Math.SQRT2 * k + k * k);
  const b0 = norm, b1 = -2 * norm, b2 = norm;
  const a1 = 2 * (k * k - 1) * norm, a2 = (1 - Math.SQRT2 * k + k * k) * norm;
  let [x1, x2, y1, y2] = memory;
  for (let n = 0; n < x.length; n++) {
    const y = b0 * x[n] + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1;
    x1 = x[n];
    y2 = y1;
    y1 = y;
    out[n] = y > 1 ? 1 : y < -1 ? -1 : y;
  }
  memory.set([x1, x2, y1, y2]);
}
