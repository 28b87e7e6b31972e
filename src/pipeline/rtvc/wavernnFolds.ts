/**
 * RTVC's batched generation layout: `fold_with_overlap` cuts the upsampled features into folds of
 * target + 2 overlap samples that run as one batch, and `xfade_and_unfold` joins the generated
 * folds with silence + equal-power crossfades. Batched and unbatched modes sound different;
 * streaming uses the unbatched mode (one sequential row), offline parity checks both.
 */

/** Rows of `features` [L][C] -> folds [folds][target + 2 overlap][C] (end zero-padded to fit). */
export function foldWithOverlap(features: Float32Array, channels: number, target: number, overlap: number): { data: Float32Array; folds: number; length: number } {
  const total = features.length / channels;
  let folds = Math.floor((total - overlap) / (target + overlap));
  const extended = folds * (overlap + target) + overlap;
  if (total - extended !== 0) folds += 1;
  const length = target + 2 * overlap;
  const data = new Float32Array(folds * length * channels);
  for (let i = 0; i < folds; i++) {
    const start = i * (target + overlap);
    const end = Math.min(total, start + length);
    data.set(features.subarray(start * channels, end * channels), i * length * channels);
  }
  return { data, folds, length };
}

/**
 * Frame-rate features [frames][C] laid out for the folds of `foldWithOverlap` (fold i starts at
 * sample i (target + overlap)): per fold the frames its samples read, [folds][F][C] (zeros past
 * the end), and where fold i's first sample lies in its first frame (`offsets`).
 */
export function foldFrameFeatures(features: Float32Array, channels: number, hop: number, folds: number, target: number, overlap: number): { data: Float32Array; frames: number; offsets: BigInt64Array } {
  const total = features.length / channels;
  const length = target + 2 * overlap;
  const first = (i: number) => Math.floor((i * (target + overlap)) / hop);
  const offsets = BigInt64Array.from({ length: folds }, (_, i) => BigInt(i * (target + overlap) - first(i) * hop));
  const frames = Math.max(...Array.from(offsets, (o) => Math.ceil((Number(o) + length) / hop)));
  const data = new Float32Array(folds * frames * channels);
  for (let i = 0; i < folds; i++) {
    const f0 = first(i);
    const end = Math.min(total, f0 + frames);
    if (end > f0) data.set(features.subarray(f0 * channels, end * channels), i * frames * channels);
  }
  return { data, frames, offsets };
}

/** Generated folds [folds][length] -> the unfolded signal of folds * (target + overlap) + overlap samples. */
export function xfadeAndUnfold(y: Float64Array, folds: number, overlap: number): Float64Array {
  const length = y.length / folds;
  const target = length - 2 * overlap;
  const silence = Math.floor(overlap / 2);
  const fade = overlap - silence;
  const fadeIn = new Float64Array(overlap);
  const fadeOut = new Float64Array(overlap);
  for (let i = 0; i < fade; i++) {
    const t = fade === 1 ? -1 : -1 + (2 * i) / (fade - 1);
    fadeIn[silence + i] = Math.sqrt(0.5 * (1 + t));
    fadeOut[i] = Math.sqrt(0.5 * (1 - t));
  }
  const out = new Float64Array(folds * (target + overlap) + overlap);
  for (let f = 0; f < folds; f++) {
    const start = f * (target + overlap);
    for (let i = 0; i < length; i++) {
      let v = y[f * length + i];
      if (i < overlap) v *= fadeIn[i];
      if (i >= length - overlap) v *= fadeOut[i - (length - overlap)];
      out[start + i] += v;
    }
  }
  return out;
}
