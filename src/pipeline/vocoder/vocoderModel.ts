/**
 * The manifest's `vocoder` section (family clonecast-wavernn) and its weights file, checked and
 * loaded into typed arrays. Written by training/clonecast_train/vocoder/export.py.
 */
import { readFileSync } from 'node:fs';
import { VocoderError } from './errors.js';
import type { LpcSpec } from './lpc.js';

/** A file entry as the manifest loader (src/pipeline/runtime/modelManifest.ts) hands it over. */
export interface VocoderFileEntry {
  readonly file: string;
  readonly sha256: string;
  readonly bytes: number;
  /** Absolute path, added by the manifest loader; relative to modelsDir when absent. */
  readonly path?: string;
}

/** Shapes of the network (hparams of the manifest section). */
export interface VocoderDims {
  /** Samples per mel frame (200 = 12.5 ms at 16 kHz). */
  readonly hop: number;
  readonly nMels: number;
  /** Mel frames of receptive field of the conditioning net on each side. */
  readonly context: number;
  readonly condChannels: number;
  readonly kernel1: number;
  readonly kernel2: number;
  /** Width of the per-frame conditioning = 2*hidden1 (layer 1) + 3*hidden2 (layer-2 GRU input gates). */
  readonly condDim: number;
  readonly hidden1: number;
  readonly hidden2: number;
  readonly fc: number;
  /** Output classes (512 for 9-bit mu-law). */
  readonly classes: number;
  readonly muBits: number;
  /** De-emphasis coefficient applied to the output (the synthMel pre-emphasis). */
  readonly preemphasis: number;
  /** Linear prediction coefficients per block (= VocoderModel.lpc.order). */
  readonly lpcOrder: number;
}

/**
 * Weights as the engines use them (float32, row-major). Matrices are [in, out]; conv weights
 * [out, in, kernel]; the log-mel normalisation is folded into conv1.
 */
export interface VocoderWeights {
  readonly conv1W: Float32Array; readonly conv1B: Float32Array;
  readonly conv2W: Float32Array; readonly conv2B: Float32Array;
  readonly condW: Float32Array; readonly condB: Float32Array;
  /** [classes, 2*hidden1]: embedding of the previous sample, already in layer-1 pre-activation space. */
  readonly embed: Float32Array;
  /** [classes, 2*hidden1]: embedding of the linear prediction's class, same space. */
  readonly embedPred: Float32Array;
  /** Layer-2 GRU (gates r, z, n): input weights on h1 [hidden1, 3*hidden2], recurrent [hidden2, 3*hidden2], recurrent bias. */
  readonly gruWi: Float32Array;
  readonly gruWh: Float32Array;
  readonly gruBh: Float32Array;
  readonly fc1W: Float32Array; readonly fc1B: Float32Array;
  readonly fc2W: Float32Array; readonly fc2B: Float32Array;
}

export interface VocoderModel {
  readonly dims: VocoderDims;
  readonly weights: VocoderWeights;
  /** How each block's prediction coefficients come from its mel frame (manifest `vocoder.lpc`, lpc.ts). */
  readonly lpc: LpcSpec;
  /** Absolute path of the ONNX Loop graph (the fallback engine). */
  readonly loopPath: string;
}

const TENSORS: Record<keyof VocoderWeights, string> = {
  conv1W: 'conv1_w', conv1B: 'conv1_b', conv2W: 'conv2_w', conv2B: 'conv2_b', condW: 'cond_w', condB: 'cond_b',
  embed: 'embed', embedPred: 'embed_pred', gruWi: 'gru_wi', gruWh: 'gru_wh', gruBh: 'gru_bh', fc1W: 'fc1_w', fc1B: 'fc1_b', fc2W: 'fc2_w', fc2B: 'fc2_b',
};

/**
 * Reads the section and its weights; every problem is reported at once.
 * @throws VocoderError `vocoder_bad_model` naming each bad field or tensor.
 */
export function loadVocoderModel(section: Readonly<Record<string, unknown>>, modelsDir: string): VocoderModel {
  const problems: string[] = [];
  const num = (key: string): number => {
    const v = section[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      problems.push(`vocoder.${key} must be a number (got ${JSON.stringify(v)})`);
      return 0;
    }
    return v;
  };
  const hparams = (section.hparams ?? {}) as Record<string, unknown>;
  const hp = (key: string): number => {
    const v = hparams[key];
    if (typeof v !== 'number') {
      problems.push(`vocoder.hparams.${key} must be a number (got ${JSON.stringify(v)})`);
      return 0;
    }
    return v;
  };
  if (section.family !== 'clonecast-wavernn') problems.push(`vocoder.family is ${JSON.stringify(section.family)}, expected "clonecast-wavernn"`);
  const lpc = lpcSection(section.lpc, problems);
  const dims: VocoderDims = {
    hop: num('hopLength'), nMels: hp('n_mels'), context: num('context'), condChannels: num('condChannels'),
    kernel1: hp('cond_kernel1'), kernel2: hp('cond_kernel2'), condDim: num('condDim'), hidden1: num('hidden1'),
    hidden2: num('hidden2'), fc: num('fc'), classes: hp('classes'), muBits: num('muBits'), preemphasis: num('preemphasis'),
    lpcOrder: lpc.order,
  };
  if (dims.classes !== 1 << dims.muBits) problems.push(`vocoder: ${dims.classes} classes do not match muBits ${dims.muBits}`);
  if (dims.condDim !== 2 * dims.hidden1 + 3 * dims.hidden2) problems.push(`vocoder.condDim ${dims.condDim} != 2*hidden1 + 3*hidden2`);
  if (section.layer2 !== 'gru') problems.push(`vocoder.layer2 is ${JSON.stringify(section.layer2)}, this engine runs "gru"`);
  const files = section.files as Record<string, VocoderFileEntry> | undefined;
  const pathOf = (role: string): string => {
    const entry = files?.[role];
    if (!entry || typeof entry.file !== 'string') {
      problems.push(`vocoder.files.${role} is missing`);
      return '';
    }
    return entry.path ?? `${modelsDir}/${entry.file}`;
  };
  const weightsPath = pathOf('weights');
  const loopPath = pathOf('loop');
  if (problems.length) throw new VocoderError('vocoder_bad_model', problems.join('; '));

  let bytes: Buffer;
  try {
    bytes = readFileSync(weightsPath);
  } catch (err) {
    throw new VocoderError('vocoder_bad_model', `${weightsPath}: cannot read vocoder weights (${(err as Error).message})`);
  }
  // Copy into an aligned buffer: Float32Array views need 4-byte alignment.
  const all = new Float32Array(new Uint8Array(bytes).buffer, 0, bytes.byteLength >> 2);
  const expected: Record<keyof VocoderWeights, number[]> = {
    conv1W: [dims.condChannels, dims.nMels, dims.kernel1], conv1B: [dims.condChannels],
    conv2W: [dims.condChannels, dims.condChannels, dims.kernel2], conv2B: [dims.condChannels],
    condW: [dims.condChannels, dims.condDim], condB: [dims.condDim],
    embed: [dims.classes, 2 * dims.hidden1], embedPred: [dims.classes, 2 * dims.hidden1], gruWi: [dims.hidden1, 3 * dims.hidden2],
    gruWh: [dims.hidden2, 3 * dims.hidden2], gruBh: [3 * dims.hidden2],
    fc1W: [dims.hidden2, dims.fc], fc1B: [dims.fc], fc2W: [dims.fc, dims.classes], fc2B: [dims.classes],
  };
  const layout = (section.tensors ?? {}) as Record<string, { offset: number; shape: number[] }>;
  const weights = {} as Record<keyof VocoderWeights, Float32Array>;
  for (const key of Object.keys(TENSORS) as (keyof VocoderWeights)[]) {
    const entry = layout[TENSORS[key]];
    const want = expected[key];
    if (!entry || !Array.isArray(entry.shape) || entry.shape.join(',') !== want.join(',')) {
      problems.push(`tensor ${TENSORS[key]}: shape ${JSON.stringify(entry?.shape)}, expected [${want.join(', ')}]`);
      continue;
    }
    const size = want.reduce((a, b) => a * b, 1);
    if (!(entry.offset >= 0 && entry.offset + size <= all.length)) {
      problems.push(`tensor ${TENSORS[key]}: offset ${entry.offset} + ${size} floats outside ${weightsPath} (${all.length} floats)`);
      continue;
    }
    weights[key] = all.subarray(entry.offset, entry.offset + size);
  }
  if (problems.length) throw new VocoderError('vocoder_bad_model', problems.join('; '));
  return { dims, weights, lpc, loopPath };
}

/** Checks `vocoder.lpc` ({order, lagWindowHz, noiseFloor}), pushing every problem. */
function lpcSection(value: unknown, problems: string[]): LpcSpec {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`vocoder.lpc must be an object {order, lagWindowHz, noiseFloor} (got ${JSON.stringify(value)}): ` +
      'a vocoder exported before linear prediction; re-export it with training/clonecast_train/vocoder/export.py');
    return { order: 0, lagWindowHz: 0, noiseFloor: 0 };
  }
  const v = value as Record<string, unknown>;
  const field = (key: keyof LpcSpec, ok: (x: number) => boolean, want: string): number => {
    const x = v[key];
    if (typeof x !== 'number' || !Number.isFinite(x) || !ok(x)) {
      problems.push(`vocoder.lpc.${key} must be ${want} (got ${JSON.stringify(x)})`);
      return 0;
    }
    return x;
  };
  return {
    order: field('order', (x) => Number.isInteger(x) && x >= 1 && x <= 64, 'an integer in [1, 64]'),
    lagWindowHz: field('lagWindowHz', (x) => x >= 0, 'a number >= 0'),
    noiseFloor: field('noiseFloor', (x) => x >= 0, 'a number >= 0'),
  };
}
