import { type FeatureSpec, validateFeatureSpec } from '../audio/featureSpec.js';
import type { ModelManifest } from '../runtime/modelManifest.js';

/** What the speaker-encoder stage needs to know about its model (from the manifest's `encoder`). */
export interface EmbedderConfig {
  /** The encoder's input feature (manifest `features.encoderMel`). */
  readonly features: FeatureSpec;
  /** Frames per partial window (160 = 1.6 s of speech). */
  readonly partialFrames: number;
  /** Speech frames between window starts (80 = 50 % overlap). */
  readonly partialHop: number;
  /** Length of an embedding (256). */
  readonly embeddingDim: number;
  /** A frame is speech when the RMS of its raw samples is at least this (dBFS). */
  readonly vadThresholdDb: number;
}

/** The embedder configuration of a loaded manifest. */
export function embedderConfigFromManifest(manifest: Pick<ModelManifest, 'features' | 'encoder'>): EmbedderConfig {
  const { encoder } = manifest;
  const features = manifest.features[encoder.features];
  if (!features) throw new RangeError(`manifest encoder uses features "${encoder.features}", which the manifest does not define`);
  return validateEmbedderConfig({
    features,
    partialFrames: encoder.partialFrames,
    partialHop: encoder.partialHop,
    embeddingDim: encoder.embeddingDim,
    vadThresholdDb: encoder.vad.frameThresholdDb,
  });
}

/** Checks a configuration; throws a RangeError naming the bad field. */
export function validateEmbedderConfig(config: EmbedderConfig): EmbedderConfig {
  validateFeatureSpec(config.features);
  for (const k of ['partialFrames', 'partialHop', 'embeddingDim'] as const) {
    if (!Number.isInteger(config[k]) || config[k] <= 0) throw new RangeError(`embedder ${k} must be a positive integer, got ${config[k]}`);
  }
  if (config.partialHop > config.partialFrames) throw new RangeError('embedder partialHop must not exceed partialFrames');
  if (!Number.isFinite(config.vadThresholdDb)) throw new RangeError(`embedder vadThresholdDb must be finite, got ${config.vadThresholdDb}`);
  return config;
}
