/**
 * Typed boundaries between pipeline stages. Each stage consumes one of these and produces the next:
 * PCM (any rate) -> Pcm16k -> encoder mel -> Embedding; text -> symbols -> MelChunk -> Pcm16k -> packets.
 */

/** Mono float PCM in [-1, 1] at a stated rate. */
export interface PcmAudio {
  readonly samples: Float32Array;
  readonly sampleRate: number;
}

/** Log-mel frames, row-major `[frames][channels]`, as defined by a FeatureSpec of the manifest. */
export interface MelFrames {
  readonly data: Float32Array;
  readonly frames: number;
  readonly channels: number;
}

/** A run of synthesizer mel frames, handed to the vocoder as soon as it exists. */
export interface MelChunk extends MelFrames {
  /** 0-based position of this chunk within its utterance. */
  readonly index: number;
  /** True for the utterance's last chunk. */
  readonly final: boolean;
}

/** A speaker embedding: L2-normalised, length `encoder.embeddingDim` (256). */
export type Embedding = Float32Array;

/** Text mapped onto the synthesizer's symbol set (ids index `synthesizer.symbols`). */
export interface SymbolSequence {
  readonly ids: readonly number[];
  /** The normalised text the ids spell, for logs and errors. */
  readonly text: string;
}
