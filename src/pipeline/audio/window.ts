/** Periodic Hann window of `length` samples: w[n] = 0.5 - 0.5*cos(2*pi*n/length) (as features.py). */
export function periodicHann(length: number): Float64Array {
  const w = new Float64Array(length);
  for (let n = 0; n < length; n++) w[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / length);
  return w;
}
