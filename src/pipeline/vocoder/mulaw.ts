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
 * De-emphasis y[n] = x[n] + a*y[n-1] (inverse of the features' pre-emphasis), clipped to [-1, 1] on
 * output only (the filter state keeps the unclipped value). Returns the last y for the next chunk.
 */
export function deemphasize(x: ArrayLike<number>, a: number, previous: number, out: Float32Array): number {
  let y = previous;
  for (let n = 0; n < x.length; n++) {
    y = x[n] + a * y;
    out[n] = y > 1 ? 1 : y < -1 ? -1 : y;
  }
  return y;
}
