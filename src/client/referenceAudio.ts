/**
 * Reference audio for enrollment, as the protocol wants it: 16-bit mono PCM at a rate the server
 * accepts (8..48 kHz). WAV files of any channel count are mixed down; rates outside the accepted
 * range are resampled to 16 kHz.
 */
import { readFile } from 'node:fs/promises';
import { floatToInt16, readWav, toMono, WavError } from '../pipeline/audio/wav.js';
import { resample } from '../pipeline/audio/resampler.js';
import { MAX_INPUT_RATE, MIN_INPUT_RATE } from '../server/protocol.js';
import { CloneCastError } from './errors.js';

/** Mono 16-bit PCM with its rate (Hz). */
export interface ReferencePcm {
  readonly pcm: Int16Array;
  readonly sampleRate: number;
}

/** The rate a reference outside the accepted range is converted to. */
const FALLBACK_RATE = 16000;

/**
 * Reads a 16-bit PCM WAV file (bytes or path) as mono PCM the server accepts.
 * @throws CloneCastError `bad_audio` naming the problem.
 */
export async function readReferenceWav(source: string | Uint8Array): Promise<ReferencePcm> {
  let bytes: Uint8Array;
  try {
    bytes = typeof source === 'string' ? await readFile(source) : source;
  } catch (err) {
    throw new CloneCastError('bad_audio', `cannot read ${String(source)}: ${(err as Error).message}`);
  }
  let wav;
  try {
    wav = readWav(bytes);
  } catch (err) {
    const where = typeof source === 'string' ? `${source}: ` : '';
    throw new CloneCastError('bad_audio', `${where}${err instanceof WavError ? err.message : String(err)}`);
  }
  let mono = toMono(wav);
  let sampleRate = wav.sampleRate;
  if (sampleRate < MIN_INPUT_RATE || sampleRate > MAX_INPUT_RATE) {
    if (sampleRate < 1000) throw new CloneCastError('bad_audio', `sample rate ${sampleRate} Hz is too low to be speech`);
    mono = resampleAnyRate(mono, sampleRate, FALLBACK_RATE);
    sampleRate = FALLBACK_RATE;
  }
  const pcm = new Int16Array(mono.length);
  for (let i = 0; i < mono.length; i++) pcm[i] = floatToInt16(mono[i]);
  return { pcm, sampleRate };
}

/**
 * The pipeline's resampler only takes 8..48 kHz; rates beyond (e.g. 96 kHz, 4 kHz) are first brought
 * into range by linear interpolation to the nearest accepted rate, which a speech reference tolerates.
 */
function resampleAnyRate(x: Float32Array, from: number, to: number): Float32Array {
  const mid = Math.min(MAX_INPUT_RATE, Math.max(MIN_INPUT_RATE, from));
  const n = Math.floor((x.length * mid) / from);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = (i * from) / mid;
    const k = Math.floor(t);
    const f = t - k;
    y[i] = (x[k] ?? 0) * (1 - f) + (x[k + 1] ?? x[k] ?? 0) * f;
  }
  return resample(y, mid, to);
}
