/**
 * Resynthesis: real speech -> synthMel -> vocoder (chunk by chunk, as the server streams) -> WAV.
 * Checks the vocoder alone, without the synthesizer: `clonecast resynth --in speech.wav --out out.wav`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { validateFeatureSpec } from '../pipeline/audio/featureSpec.js';
import { computeLogMel } from '../pipeline/audio/logMel.js';
import { resample } from '../pipeline/audio/resampler.js';
import { readWav, toMono, writeWav } from '../pipeline/audio/wav.js';
import { resolveModelsDir } from '../pipeline/runtime/modelManifest.js';
import { createVocoder, VocoderError, type VocoderEngine } from '../pipeline/vocoder/index.js';

export interface ResynthOptions {
  /** Input WAV (16-bit PCM, any rate, mono or stereo). */
  readonly in: string;
  /** Output WAV (16-bit PCM mono at the vocoder's rate). */
  readonly out: string;
  /** Models directory (default: CLONECAST_MODELS, else <repo>/models). */
  readonly modelsDir?: string;
  /** 'native' | 'onnx-loop' | 'griffin-lim' (default: the best available). */
  readonly engine?: string;
  /** Sampler seed (default 0). */
  readonly seed?: number;
  /** Mel frames per vocoder chunk (default 10 = 125 ms), as the server would stream them. */
  readonly chunkFrames?: number;
}

export interface ResynthResult {
  readonly engine: string;
  /** Seconds of audio written. */
  readonly seconds: number;
  readonly frames: number;
  /** Wall-clock seconds spent in the vocoder. */
  readonly vocoderSeconds: number;
  /** Audio seconds per vocoder second (higher is faster; 1 = real time). */
  readonly realTimeFactor: number;
}

const ENGINES: readonly VocoderEngine[] = ['native', 'onnx-loop', 'griffin-lim'];

/**
 * The output is aligned with the input: mel frame i's hop block is written at the samples it was
 * computed around, so the two files can be compared sample for sample (same length up to the last
 * incomplete frame).
 * @throws VocoderError (bad engine name, no vocoder weights for a neural engine), WavError (bad input)
 */
export async function resynth(options: ResynthOptions): Promise<ResynthResult> {
  if (options.engine !== undefined && !ENGINES.includes(options.engine as VocoderEngine)) {
    throw new VocoderError('vocoder_bad_request', `engine must be one of ${ENGINES.join(', ')} (got "${options.engine}")`);
  }
  const chunk = options.chunkFrames ?? 10;
  if (!Number.isInteger(chunk) || chunk < 1) throw new VocoderError('vocoder_bad_request', `chunkFrames must be a positive integer (got ${chunk})`);
  const modelsDir = resolveModelsDir(options.modelsDir);
  const manifest = JSON.parse(await readFile(join(modelsDir, 'manifest.json'), 'utf8'));
  const spec = validateFeatureSpec(manifest.features?.synthMel);
  const vocoder = await createVocoder(modelsDir, { features: { synthMel: spec }, vocoder: manifest.vocoder }, {
    engine: options.engine as VocoderEngine | undefined,
  });
  try {
    const wav = readWav(new Uint8Array(await readFile(options.in)));
    const audio = wav.sampleRate === spec.sampleRate ? toMono(wav) : resample(toMono(wav), wav.sampleRate, spec.sampleRate);
    const mel = computeLogMel(audio, spec);
    const offset = (spec.winLength - spec.hopLength) / 2;
    const out = new Float32Array(offset + mel.frames * spec.hopLength);
    let state: Uint8Array | null = null;
    let at = offset;
    const t0 = performance.now();
    for (let f = 0; f < mel.frames || (f === 0 && mel.frames === 0); f += chunk) {
      const frames = Math.min(chunk, mel.frames - f);
      const res = vocoder.vocode({
        mel: mel.data.slice(f * spec.nMels, (f + frames) * spec.nMels), frames, final: f + frames >= mel.frames,
        state, seed: options.seed ?? 0, engine: options.engine === 'griffin-lim' ? 'griffin-lim' : 'default',
      });
      out.set(res.samples, at);
      at += res.samples.length;
      state = res.state;
    }
    const vocoderSeconds = (performance.now() - t0) / 1000;
    await writeFile(options.out, writeWav({ sampleRate: spec.sampleRate, channels: [out] }));
    const seconds = out.length / spec.sampleRate;
    return {
      engine: options.engine === 'griffin-lim' ? 'griffin-lim' : vocoder.engine, seconds, frames: mel.frames,
      vocoderSeconds, realTimeFactor: seconds / Math.max(vocoderSeconds, 1e-9),
    };
  } finally {
    vocoder.release();
  }
}
