import { computeLogMel } from '../audio/logMel.js';
import type { InferenceClient } from '../runtime/tasks.js';
import type { Embedding } from '../types.js';
import { type EmbedderConfig, validateEmbedderConfig } from './embedderConfig.js';
import { embedPartials, RunningVoiceMean } from './partials.js';
import { selectSpeechFrames } from './vad.js';

/** The voice of one whole utterance. */
export interface WholeEmbedding {
  /** Complete partial windows in its speech (0 when there is less than one window of speech). */
  readonly windows: number;
  /** Seconds of speech found (speech frames x hop / rate). */
  readonly speechSeconds: number;
  /** L2-normalised mean of the partial embeddings; null when `windows` is 0. */
  readonly embedding: Embedding | null;
}

/**
 * Whole-utterance speaker embedding (docs/models.md): speech frames only, partial windows at
 * 0, hop, 2*hop, ..., mean of the L2-normalised partials, L2-normalised.
 * @param samples float in [-1, 1] at `config.features.sampleRate` (16 kHz).
 */
export async function embedWhole(client: InferenceClient, config: EmbedderConfig, samples: Float32Array): Promise<WholeEmbedding> {
  validateEmbedderConfig(config);
  const { features, partialFrames, partialHop, vadThresholdDb } = config;
  const speech = selectSpeechFrames(computeLogMel(samples, features), vadThresholdDb);
  const starts: number[] = [];
  for (let s = 0; s + partialFrames <= speech.frames; s += partialHop) starts.push(s);
  const speechSeconds = (speech.frames * features.hopLength) / features.sampleRate;
  if (starts.length === 0) return { windows: 0, speechSeconds, embedding: null };
  const mean = new RunningVoiceMean(config.embeddingDim);
  for (const partial of await embedPartials(client, config, speech.data, 0, starts)) mean.add(partial);
  return { windows: starts.length, speechSeconds, embedding: mean.current() };
}
