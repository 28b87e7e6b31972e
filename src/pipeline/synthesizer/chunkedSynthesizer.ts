import type { InferenceClient, Tensor } from '../runtime/tasks.js';
import type { Embedding, MelChunk, SymbolSequence } from '../types.js';
import { frameDurations, regulateLength } from './lengthRegulator.js';
import { type SynthConfig, validateSynthConfig } from './synthConfig.js';
import { SynthesisError } from './synthesisError.js';

/** One utterance to synthesize. */
export interface SynthesisRequest {
  /** Symbol ids (index into the manifest's `symbols`), e.g. from src/pipeline/text. */
  readonly symbols: SymbolSequence | readonly number[];
  /** The voice: `speakerDim` finite values (L2-normalised by the encoder). */
  readonly embedding: Embedding;
  /** Speaking-rate factor on the predicted durations (1 = as predicted; 1.2 = 20 % slower). */
  readonly pace?: number;
  /** Frames in the first chunk (default `config.chunkFrames`): smaller = earlier first audio. */
  readonly firstChunkFrames?: number;
  /**
   * Largest chunk (default 8 x chunkFrames). Chunks double in size after the first, so later
   * chunks pay for the 2 x decoderContext frames of overlap less often.
   */
  readonly maxChunkFrames?: number;
  /** Refuse utterances longer than this many mel frames (default 8000 = 100 s at hop 12.5 ms). */
  readonly maxFrames?: number;
  /** Checked before every decoder call: an aborted signal ends the iteration with its reason. */
  readonly signal?: AbortSignal;
}

/** Figures about an utterance, known once the text encoder has run. */
export interface SynthesisPlan {
  /** Total mel frames of the utterance. */
  readonly frames: number;
  /** Frames per symbol after rounding. */
  readonly durations: Int32Array;
}

/** ONNX names (docs/models.md). */
const ENCODER_INPUTS = { symbols: 'symbols', speaker: 'speaker' } as const;
const ENCODER_OUTPUTS = { hidden: 'hidden', durations: 'durations' } as const;
const DECODER_INPUT = 'frames';
const DECODER_OUTPUT = 'mel';

/**
 * Synthesizes one utterance as mel chunks (synthMel frames, row-major `[frames][nMels]`, natural
 * log): the text encoder runs once, then the decoder runs chunk by chunk on the length-regulated
 * frames with `decoderContext` frames of context on each side, so the chunks joined equal a
 * whole-sequence decode. The first chunk is yielded as soon as it is decoded; while the consumer
 * handles a chunk, the next one is already being decoded (one chunk of prefetch).
 *
 * Throws SynthesisError (codes `invalid_symbols`, `invalid_embedding`, `invalid_option`,
 * `too_long`, `bad_model_output`) and, on abort, the signal's reason. An utterance whose
 * durations all round to 0 yields a single empty final chunk.
 *
 * @param onPlan called once with the utterance's length, before the first chunk.
 */
export async function* synthesizeMelChunks(
  client: InferenceClient,
  config: SynthConfig,
  request: SynthesisRequest,
  onPlan?: (plan: SynthesisPlan) => void,
): AsyncGenerator<MelChunk, void, undefined> {
  validateSynthConfig(config);
  const { signal } = request;
  const options = checkRequest(config, request);
  signal?.throwIfAborted();

  const ids = 'ids' in request.symbols ? request.symbols.ids : request.symbols;
  const encoded = await client.run('synthEncoder', {
    [ENCODER_INPUTS.symbols]: { type: 'int64', data: BigInt64Array.from(ids, (v) => BigInt(v)), dims: [1, ids.length] },
    [ENCODER_INPUTS.speaker]: { type: 'float32', data: Float32Array.from(request.embedding), dims: [1, config.speakerDim] },
  });
  const hidden = expectFloat(encoded[ENCODER_OUTPUTS.hidden], 'synth_encoder', ENCODER_OUTPUTS.hidden, ids.length * config.hiddenDim);
  const predicted = expectFloat(encoded[ENCODER_OUTPUTS.durations], 'synth_encoder', ENCODER_OUTPUTS.durations, ids.length);
  const durations = frameDurations(predicted, options.pace);
  let total = 0;
  for (const d of durations) total += d;
  if (total > options.maxFrames) {
    throw new SynthesisError('too_long', `the utterance would last ${total} mel frames, more than the limit of ${options.maxFrames}`);
  }
  onPlan?.({ frames: total, durations });
  if (total === 0) {
    yield { data: new Float32Array(0), frames: 0, channels: config.nMels, index: 0, final: true };
    return;
  }
  const frames = regulateLength(hidden, config.hiddenDim, durations);

  const decode = (start: number, end: number): Promise<Float32Array> => {
    signal?.throwIfAborted();
    return decodeRange(client, config, frames, total, start, end);
  };
  let start = 0;
  let size = Math.min(options.firstChunkFrames, total);
  let pending = decode(start, start + size);
  for (let index = 0; ; index++) {
    const end = start + size;
    const mel = await pending;
    signal?.throwIfAborted();
    const final = end >= total;
    if (!final) {
      const nextSize = Math.min(2 * size, options.maxChunkFrames, total - end);
      // Prefetch: decode the next chunk while the consumer vocodes this one. Attach a handler at
      // once so an abandoned prefetch (consumer stopped) never becomes an unhandled rejection.
      pending = decode(end, end + nextSize);
      pending.catch(() => undefined);
      size = nextSize;
    }
    yield { data: mel, frames: end - start, channels: config.nMels, index, final };
    if (final) return;
    start = end;
  }
}

/** Decodes frames [start, end) from the input window [start - C, end + C) clipped to [0, total). */
async function decodeRange(client: InferenceClient, config: SynthConfig, frames: Float32Array, total: number, start: number, end: number): Promise<Float32Array> {
  const { hiddenDim, nMels, decoderContext } = config;
  const lo = Math.max(0, start - decoderContext);
  const hi = Math.min(total, end + decoderContext);
  const input: Tensor = { type: 'float32', data: frames.slice(lo * hiddenDim, hi * hiddenDim), dims: [1, hi - lo, hiddenDim] };
  const out = await client.run('synthDecoder', { [DECODER_INPUT]: input });
  const mel = expectFloat(out[DECODER_OUTPUT], 'synth_decoder', DECODER_OUTPUT, (hi - lo) * nMels);
  return mel.slice((start - lo) * nMels, (end - lo) * nMels);
}

function expectFloat(t: Tensor | undefined, model: string, name: string, length: number): Float32Array {
  if (!t || !(t.data instanceof Float32Array) || t.data.length !== length) {
    throw new SynthesisError('bad_model_output', `${model} output ${name}: expected ${length} float32 values, got ${t ? `${t.type} [${t.dims.join(', ')}]` : 'nothing'}`);
  }
  for (let i = 0; i < t.data.length; i++) {
    if (!Number.isFinite(t.data[i])) throw new SynthesisError('bad_model_output', `${model} output ${name} holds a non-finite value at ${i}`);
  }
  return t.data;
}

function checkRequest(config: SynthConfig, request: SynthesisRequest) {
  const ids = 'ids' in request.symbols ? request.symbols.ids : request.symbols;
  if (ids.length === 0) throw new SynthesisError('invalid_symbols', 'no symbols to synthesize');
  const bad = ids.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= config.nSymbols);
  if (bad >= 0) throw new SynthesisError('invalid_symbols', `symbol ${bad} is ${ids[bad]}, not an id in 0..${config.nSymbols - 1}`);
  const e = request.embedding;
  if (!e || e.length !== config.speakerDim) throw new SynthesisError('invalid_embedding', `the embedding must hold ${config.speakerDim} values, got ${e ? e.length : 'none'}`);
  if (!e.every((v) => Number.isFinite(v))) throw new SynthesisError('invalid_embedding', 'the embedding holds a non-finite value');
  const pace = request.pace ?? 1;
  const firstChunkFrames = request.firstChunkFrames ?? config.chunkFrames;
  const maxChunkFrames = request.maxChunkFrames ?? 8 * config.chunkFrames;
  const maxFrames = request.maxFrames ?? 8000;
  if (!(Number.isFinite(pace) && pace > 0 && pace <= 10)) throw new SynthesisError('invalid_option', `pace must be in (0, 10], got ${pace}`);
  for (const [name, v] of [['firstChunkFrames', firstChunkFrames], ['maxChunkFrames', maxChunkFrames], ['maxFrames', maxFrames]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new SynthesisError('invalid_option', `${name} must be a positive integer, got ${v}`);
  }
  return { pace, firstChunkFrames, maxChunkFrames: Math.max(maxChunkFrames, firstChunkFrames), maxFrames };
}
