/**
 * Voice embeddings of WAV files with the served speaker encoder, and how close they are:
 * `clonecast embed --in a.wav --in b.wav`. Lets a user (or an evaluation script) check that a
 * cloned voice is closer to its own reference than to other speakers, with the encoder the
 * server itself uses (same DSP, VAD, partial windows and averaging as enrollment).
 */
import { readFile } from 'node:fs/promises';
import { resample } from '../pipeline/audio/resampler.js';
import { readWav, toMono, WavError } from '../pipeline/audio/wav.js';
import { cosine, embedderConfigFromManifest, embedWhole } from '../pipeline/encoder/index.js';
import { createInProcessClient } from '../pipeline/runtime/inProcessClient.js';
import { CloneCastError } from './errors.js';

/** One file's voice. */
export interface FileEmbedding {
  readonly file: string;
  /** Complete 1.6 s partial windows in its speech. */
  readonly windows: number;
  readonly speechSeconds: number;
  /** L2-normalised voice embedding. */
  readonly embedding: Float32Array;
}

export interface EmbedResult {
  /** sha256 of the encoder model (voices of different encoders are not comparable). */
  readonly encoderId: string;
  readonly files: readonly FileEmbedding[];
  /** cosines[i][j]: similarity of files i and j (1 on the diagonal). */
  readonly cosines: readonly (readonly number[])[];
}

/**
 * Embeds every file (16-bit PCM WAV, any rate, mono or stereo).
 * @throws CloneCastError `bad_audio` for an unreadable file or one with less than one window of speech;
 *         ManifestError when the models directory is unusable.
 */
export async function embedFiles(files: readonly string[], modelsDir?: string): Promise<EmbedResult> {
  if (files.length === 0) throw new CloneCastError('bad_audio', 'no input file');
  const client = await createInProcessClient(modelsDir);
  try {
    const config = embedderConfigFromManifest(client.manifest);
    const rate = config.features.sampleRate;
    const out: FileEmbedding[] = [];
    for (const file of files) {
      const audio = await readSpeech(file, rate);
      const whole = await embedWhole(client, config, audio);
      if (whole.embedding === null) {
        throw new CloneCastError('bad_audio', `${file}: ${whole.speechSeconds.toFixed(2)} s of speech, less than one ${(config.partialFrames * config.features.hopLength / rate).toFixed(1)} s window`);
      }
      out.push({ file, windows: whole.windows, speechSeconds: whole.speechSeconds, embedding: whole.embedding });
    }
    const cosines = out.map((a) => out.map((b) => cosine(a.embedding, b.embedding)));
    return { encoderId: client.manifest.encoder.file.sha256, files: out, cosines };
  } finally {
    client.close();
  }
}

async function readSpeech(file: string, rate: number): Promise<Float32Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new CloneCastError('bad_audio', `cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    const wav = readWav(bytes);
    const mono = toMono(wav);
    return wav.sampleRate === rate ? mono : resample(mono, wav.sampleRate, rate);
  } catch (err) {
    throw new CloneCastError('bad_audio', `${file}: ${err instanceof WavError ? err.message : String(err)}`);
  }
}
