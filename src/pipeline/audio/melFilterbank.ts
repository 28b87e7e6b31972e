import type { FeatureSpec } from './featureSpec.js';

/** librosa's Slaney mel scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above. */
export function hzToMelSlaney(hz: number): number {
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logStep = Math.log(6.4) / 27;
  return hz >= minLogHz ? minLogMel + Math.log(Math.max(hz, 1e-10) / minLogHz) / logStep : hz / fSp;
}

/** Inverse of {@link hzToMelSlaney}. */
export function melToHzSlaney(mel: number): number {
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logStep = Math.log(6.4) / 27;
  return mel >= minLogMel ? minLogHz * Math.exp(logStep * (mel - minLogMel)) : fSp * mel;
}

/**
 * Triangular mel filters with Slaney area normalisation (librosa.filters.mel, htk=False,
 * norm="slaney"), stored sparsely: filter m has weights for bins [start[m], start[m] + width[m]).
 */
export interface MelFilterbank {
  readonly nMels: number;
  /** nFft/2 + 1 */
  readonly bins: number;
  readonly start: Int32Array;
  readonly width: Int32Array;
  /** Non-zero weights of every filter, concatenated; filter m's start at `offset[m]`. */
  readonly weights: Float64Array;
  readonly offset: Int32Array;
}

/** Builds the filterbank of a FeatureSpec (same values as features.py's `mel_filterbank`). */
export function melFilterbank(spec: Pick<FeatureSpec, 'sampleRate' | 'nFft' | 'nMels' | 'fmin' | 'fmax'>): MelFilterbank {
  const { sampleRate, nFft, nMels } = spec;
  const bins = (nFft >> 1) + 1;
  const melMin = hzToMelSlaney(spec.fmin), melMax = hzToMelSlaney(spec.fmax);
  const edges = new Float64Array(nMels + 2);
  for (let i = 0; i < nMels + 2; i++) edges[i] = melToHzSlaney(melMin + ((melMax - melMin) * i) / (nMels + 1));
  const dense = new Float64Array(nMels * bins);
  for (let m = 0; m < nMels; m++) {
    const lowDiff = edges[m + 1] - edges[m], highDiff = edges[m + 2] - edges[m + 1];
    const enorm = 2 / (edges[m + 2] - edges[m]);
    for (let k = 0; k < bins; k++) {
      const f = (k * sampleRate) / 2 / (bins - 1);
      const lower = (f - edges[m]) / lowDiff;
      const upper = (edges[m + 2] - f) / highDiff;
      dense[m * bins + k] = Math.max(0, Math.min(lower, upper)) * enorm;
    }
  }
  const start = new Int32Array(nMels), width = new Int32Array(nMels), offset = new Int32Array(nMels);
  const kept: number[] = [];
  for (let m = 0; m < nMels; m++) {
    let first = -1, last = -1;
    for (let k = 0; k < bins; k++) {
      if (dense[m * bins + k] !== 0) {
        if (first < 0) first = k;
        last = k;
      }
    }
    offset[m] = kept.length;
    if (first < 0) continue; // an empty filter (fmax too close to fmin for nFft): all zeros
    start[m] = first;
    width[m] = last - first + 1;
    for (let k = first; k <= last; k++) kept.push(dense[m * bins + k]);
  }
  return { nMels, bins, start, width, weights: Float64Array.from(kept), offset };
}

/** The filterbank as a dense row-major [nMels][bins] matrix (for tests and inspection). */
export function denseFilterbank(fb: MelFilterbank): Float64Array {
  const dense = new Float64Array(fb.nMels * fb.bins);
  for (let m = 0; m < fb.nMels; m++) {
    for (let j = 0; j < fb.width[m]; j++) dense[m * fb.bins + fb.start[m] + j] = fb.weights[fb.offset[m] + j];
  }
  return dense;
}
