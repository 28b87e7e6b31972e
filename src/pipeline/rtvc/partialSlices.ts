/**
 * RTVC's `compute_partial_slices`: which 160-frame windows (step 80) of an utterance are embedded.
 * Frames are counted as ceil((N + 1) / hop); windows start at 0, step, 2 step, ... while
 * start < n_frames - partialFrames + step + 1; the last window is dropped when it covers less than
 * `minCoverage` of real samples (and more than one window exists).
 */
export interface PartialSlice {
  /** Mel frames [start, stop). */
  readonly melStart: number;
  readonly melStop: number;
  /** Samples [start, stop). */
  readonly wavStart: number;
  readonly wavStop: number;
}

/** Window sizes of the encoder's partials (manifest `encoder` section) and the mel hop. */
export interface PartialSpec {
  readonly partialFrames: number;
  readonly partialHop: number;
  readonly minCoverage: number;
  readonly hopLength: number;
}

/** The windows RTVC embeds for an utterance of `nSamples` samples. */
export function partialSlices(nSamples: number, spec: PartialSpec): PartialSlice[] {
  const nFrames = Math.ceil((nSamples + 1) / spec.hopLength);
  const steps = Math.max(1, nFrames - spec.partialFrames + spec.partialHop + 1);
  const slices: PartialSlice[] = [];
  for (let i = 0; i < steps; i += spec.partialHop) {
    slices.push({ melStart: i, melStop: i + spec.partialFrames, wavStart: i * spec.hopLength, wavStop: (i + spec.partialFrames) * spec.hopLength });
  }
  const last = slices[slices.length - 1];
  const coverage = (nSamples - last.wavStart) / (last.wavStop - last.wavStart);
  if (coverage < spec.minCoverage && slices.length > 1) slices.pop();
  return slices;
}
