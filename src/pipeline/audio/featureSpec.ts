/**
 * The log-mel feature definition shared with training (training/clonecast_train/features.py and
 * docs/models.md). The manifest's `features.encoderMel` / `features.synthMel` are FeatureSpecs;
 * no audio constant is copied into code.
 */

/** One log-mel feature, exactly as stored in models/manifest.json. */
export interface FeatureSpec {
  /** Samples per second of the audio the feature is computed on (Hz). */
  readonly sampleRate: number;
  /** y[n] = x[n] - a*x[n-1] with x[-1] = 0; 0 disables. */
  readonly preemphasis: number;
  /** FFT length (samples); the windowed frame is zero-padded to it. */
  readonly nFft: number;
  /** Frame (window) length in samples. */
  readonly winLength: number;
  /** Samples between frame starts. */
  readonly hopLength: number;
  /** Only "hann" (periodic) is defined. */
  readonly window: 'hann';
  /** Mel channels per frame. */
  readonly nMels: number;
  /** Lowest and highest filter edge (Hz). */
  readonly fmin: number;
  readonly fmax: number;
  /** Only "slaney" (librosa's default scale and area normalisation) is defined. */
  readonly melScale: 'slaney';
  /** 1: magnitude, 2: power spectrum before the filterbank. */
  readonly power: 1 | 2;
  /** feature = ln(max(mel, logFloor)). */
  readonly logFloor: number;
}

/** A FeatureSpec that fails validation; `problems` lists every bad field at once. */
export class FeatureSpecError extends Error {
  readonly code = 'invalid_feature_spec';
  constructor(readonly problems: readonly string[]) {
    super(`invalid FeatureSpec: ${problems.join('; ')}`);
    this.name = 'FeatureSpecError';
  }
}

/** Checks every field of an untrusted spec (e.g. parsed from a manifest) and returns it typed. */
export function validateFeatureSpec(value: unknown): FeatureSpec {
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null) throw new FeatureSpecError(['not an object']);
  const s = value as Record<string, unknown>;
  const positiveInt = (k: string) => {
    if (!Number.isInteger(s[k]) || (s[k] as number) <= 0) problems.push(`${k} must be a positive integer, got ${JSON.stringify(s[k])}`);
  };
  const finite = (k: string) => {
    if (typeof s[k] !== 'number' || !Number.isFinite(s[k])) problems.push(`${k} must be a finite number, got ${JSON.stringify(s[k])}`);
  };
  for (const k of ['sampleRate', 'nFft', 'winLength', 'hopLength', 'nMels']) positiveInt(k);
  for (const k of ['preemphasis', 'fmin', 'fmax', 'logFloor']) finite(k);
  if (s.window !== 'hann') problems.push(`window must be "hann", got ${JSON.stringify(s.window)}`);
  if (s.melScale !== 'slaney') problems.push(`melScale must be "slaney", got ${JSON.stringify(s.melScale)}`);
  if (s.power !== 1 && s.power !== 2) problems.push(`power must be 1 or 2, got ${JSON.stringify(s.power)}`);
  if (problems.length === 0) {
    if ((s.winLength as number) > (s.nFft as number)) problems.push('winLength must not exceed nFft');
    if ((s.hopLength as number) > (s.winLength as number)) problems.push('hopLength must not exceed winLength');
    if ((s.fmax as number) > (s.sampleRate as number) / 2 || (s.fmin as number) < 0 || (s.fmin as number) >= (s.fmax as number)) {
      problems.push('need 0 <= fmin < fmax <= sampleRate/2');
    }
    if ((s.logFloor as number) <= 0) problems.push('logFloor must be > 0');
  }
  if (problems.length > 0) throw new FeatureSpecError(problems);
  return value as FeatureSpec;
}

/** Frames in a signal of `nSamples` (not centred): floor((N - win)/hop) + 1, or 0 when N < win. */
export function frameCount(nSamples: number, spec: Pick<FeatureSpec, 'winLength' | 'hopLength'>): number {
  return nSamples < spec.winLength ? 0 : Math.floor((nSamples - spec.winLength) / spec.hopLength) + 1;
}
