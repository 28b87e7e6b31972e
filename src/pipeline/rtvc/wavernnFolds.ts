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
