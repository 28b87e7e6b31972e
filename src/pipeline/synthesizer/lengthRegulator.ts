/**
 * Length regulation (docs/models.md): symbol i lasts d_i = round(durations_i * pace) frames
 * (half to even, like numpy/torch; negative or non-finite durations count as 0), and its hidden
 * vector is repeated d_i times.
 */

/** Frames per symbol. */
export function frameDurations(durations: Float32Array, pace: number): Int32Array {
  const out = new Int32Array(durations.length);
  for (let i = 0; i < durations.length; i++) {
    const d = durations[i] * pace;
    out[i] = Number.isFinite(d) && d > 0 ? roundHalfEven(d) : 0;
  }
  return out;
}

/** Repeats row i of `hidden` ([N][H], row-major) `frames[i]` times: [sum(frames)][H]. */
export function regulateLength(hidden: Float32Array, hiddenDim: number, frames: Int32Array): Float32Array {
  let total = 0;
  for (const f of frames) total += f;
  const out = new Float32Array(total * hiddenDim);
  let at = 0;
  for (let i = 0; i < frames.length; i++) {
    const row = hidden.subarray(i * hiddenDim, (i + 1) * hiddenDim);
    for (let r = 0; r < frames[i]; r++, at += hiddenDim) out.set(row, at);
  }
  return out;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
