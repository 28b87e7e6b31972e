import type { ModelManifest } from '../runtime/modelManifest.js';

/** What the synthesizer runner needs to know about its models (from the manifest's `synthesizer`). */
export interface SynthConfig {
  /** Size of the symbol table (valid ids are 0..nSymbols-1; 0 is padding). */
  readonly nSymbols: number;
  /** Length of the speaker embedding `synth_encoder` takes (256). */
  readonly speakerDim: number;
  /** Channels of one hidden frame (H). */
  readonly hiddenDim: number;
  /** Mel channels the decoder outputs (synthMel nMels, 80). */
  readonly nMels: number;
  /** Frames in the first decoded chunk (manifest `chunkFrames`). */
  readonly chunkFrames: number;
  /** Frames of context the decoder needs on each side (manifest `decoderContext`). */
  readonly decoderContext: number;
}

/** The runner configuration of a loaded manifest. */
export function synthConfigFromManifest(manifest: Pick<ModelManifest, 'features' | 'synthesizer'>): SynthConfig {
  const s = manifest.synthesizer;
  const features = manifest.features[s.features];
  if (!features) throw new RangeError(`manifest synthesizer uses features "${s.features}", which the manifest does not define`);
  const speaker = s.encoder.inputs.speaker;
  return validateSynthConfig({
    nSymbols: s.symbols.length,
    speakerDim: speaker ? speaker[speaker.length - 1] : NaN,
    hiddenDim: s.hiddenDim,
    nMels: features.nMels,
    chunkFrames: s.chunkFrames,
    decoderContext: s.decoderContext,
  });
}

/** Checks a configuration; throws a RangeError naming the bad field. */
export function validateSynthConfig(config: SynthConfig): SynthConfig {
  for (const k of ['nSymbols', 'speakerDim', 'hiddenDim', 'nMels', 'chunkFrames'] as const) {
    if (!Number.isInteger(config[k]) || config[k] <= 0) throw new RangeError(`synthesizer ${k} must be a positive integer, got ${config[k]}`);
  }
  if (!Number.isInteger(config.decoderContext) || config.decoderContext < 0) {
    throw new RangeError(`synthesizer decoderContext must be a non-negative integer, got ${config.decoderContext}`);
  }
  return config;
}
