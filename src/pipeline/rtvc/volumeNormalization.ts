/**
 * RTVC's `normalize_volume(wav, -30 dBFS, increase_only=True)`, the step of `preprocess_wav` that
 * makes every reference equally loud before the speaker encoder: a gain to `targetDbfs` of mean
 * power, applied only when it raises the level.
 */
export interface VolumeNormalization {
  readonly targetDbfs: number;
  readonly increaseOnly: boolean;
}

/** The gain `normalize` would apply to `wav` (1 when it would leave it unchanged). */
export function normalizationGain(wav: ArrayLike<number>, spec: VolumeNormalization): number {
  let power = 0;
  for (let i = 0; i < wav.length; i++) power += wav[i] * wav[i];
  power /= Math.max(1, wav.length);
  if (power <= 0) return 1;
  const change = spec.targetDbfs - 10 * Math.log10(power);
  if (change < 0 && spec.increaseOnly) return 1;
  return 10 ** (change / 20);
}

/** A new array: `wav` times its normalisation gain. */
export function normalizeVolume(wav: ArrayLike<number>, spec: VolumeNormalization): Float32Array {
  const gain = normalizationGain(wav, spec);
  return Float32Array.from(wav, (x) => x * gain);
}
