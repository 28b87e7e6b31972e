/**
 * The opaque state bytes a vocoder stream carries between chunks (VocodeRequest.state), so workers
 * stay stateless. Little-endian; a header names the engine and the model, so a state is never
 * continued by another engine or other weights.
 */
import { VocoderError } from './errors.js';

const MAGIC = 0x31564343; // "CCV1"
const HEADER_BYTES = 80;

export const enum StateKind {
  Neural = 1,
  GriffinLim = 2,
}

/** Everything a stream needs to continue where its last chunk stopped. */
export interface StreamState {
  readonly kind: StateKind;
  /** Fingerprint of the model weights (0 for Griffin-Lim). */
  readonly model: number;
  /** Sampler RNG state (mulberry32). */
  rng: number;
  /** Class of the last sample (neural) / unused (Griffin-Lim). */
  prev: number;
  /** Last de-emphasised output sample (unclipped), the de-emphasis filter's memory. */
  yPrev: number;
  /** The output high-pass filter's memory (x[n-1], x[n-2], y[n-1], y[n-2]). */
  highpass: Float64Array;
  /** Mel frames received so far. */
  framesSeen: number;
  /** Hop blocks (frames) of audio emitted so far. */
  blocksEmitted: number;
  /** True once a final chunk was handled. */
  finished: boolean;
  /**
   * Engine-specific vectors (neural: h1, then h2, then the linear prediction's history of `order`
   * decoded samples, most recent first; Griffin-Lim: carried phases).
   */
  vector: Float32Array;
  /** Padded mel rows received but still needed, [rows][nMels]. */
  tail: Float32Array;
  tailRows: number;
}

export function encodeState(s: StreamState): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + 4 * (s.vector.length + s.tail.length));
  const v = new DataView(bytes.buffer);
  v.setUint32(0, MAGIC, true);
  v.setUint32(4, s.kind, true);
  v.setUint32(8, s.model >>> 0, true);
  v.setUint32(12, s.rng >>> 0, true);
  v.setInt32(16, s.prev, true);
  v.setUint32(20, s.finished ? 1 : 0, true);
  v.setFloat64(24, s.yPrev, true);
  v.setUint32(32, s.framesSeen, true);
  v.setUint32(36, s.blocksEmitted, true);
  v.setUint32(40, s.tailRows, true);
  v.setUint32(44, s.vector.length, true);
  for (let i = 0; i < 4; i++) v.setFloat64(48 + 8 * i, s.highpass[i], true);
  new Float32Array(bytes.buffer, HEADER_BYTES, s.vector.length).set(s.vector);
  new Float32Array(bytes.buffer, HEADER_BYTES + 4 * s.vector.length, s.tail.length).set(s.tail);
  return bytes;
}

/**
 * @param vectorLength expected length of `vector`, or a function of the tail's row count
 * @param nMels row width of the tail
 * @throws VocoderError `vocoder_bad_state` when the bytes are not a state of this engine and model.
 */
export function decodeState(
  bytes: Uint8Array, kind: StateKind, model: number, vectorLength: number | ((tailRows: number) => number), nMels: number,
): StreamState {
  const bad = (why: string) => new VocoderError('vocoder_bad_state', `vocoder state rejected: ${why}`);
  if (bytes.byteLength < HEADER_BYTES) throw bad(`${bytes.byteLength} bytes, a state has at least ${HEADER_BYTES}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0, true) !== MAGIC) throw bad('not a clonecast vocoder state');
  const k = v.getUint32(4, true);
  if (k !== kind) throw bad(`made by the ${k === StateKind.Neural ? 'neural' : 'griffin-lim'} engine, not this one`);
  if (v.getUint32(8, true) !== model >>> 0) throw bad('made with other vocoder weights');
  const tailRows = v.getUint32(40, true);
  const vecLen = v.getUint32(44, true);
  const wantLen = typeof vectorLength === 'number' ? vectorLength : vectorLength(tailRows);
  if (vecLen !== wantLen) throw bad(`vector of ${vecLen} values, expected ${wantLen}`);
  const expected = HEADER_BYTES + 4 * (vecLen + tailRows * nMels);
  if (bytes.byteLength !== expected) throw bad(`${bytes.byteLength} bytes, expected ${expected}`);
  // Copy: the state's buffer may be unaligned or transferred away.
  const floats = new Float32Array(bytes.slice(HEADER_BYTES).buffer);
  const vector = floats.slice(0, vecLen);
  const tail = floats.slice(vecLen);
  const highpass = Float64Array.from([0, 1, 2, 3], (i) => v.getFloat64(48 + 8 * i, true));
  if (!vector.every(Number.isFinite) || !tail.every(Number.isFinite) || !highpass.every(Number.isFinite) || !Number.isFinite(v.getFloat64(24, true))) {
    throw bad('non-finite values');
  }
  if (v.getUint32(20, true) === 1) throw bad('the stream already had its final chunk');
  return {
    kind, model,
    rng: v.getUint32(12, true),
    prev: v.getInt32(16, true),
    finished: false,
    yPrev: v.getFloat64(24, true),
    highpass,
    framesSeen: v.getUint32(32, true),
    blocksEmitted: v.getUint32(36, true),
    tailRows, vector, tail,
  };
}
