/**
 * Speed of engineer E's stages, printed as figures (no asserts): log-mel extraction, resampling,
 * output encoding (PCM and Opus), the speaker encoder per window and the synthesizer per chunk.
 * Run: `npm run build && node dist/load-tests/dspBench.js` (single thread; ONNX through the
 * in-process client, 1 intra-op thread).
 */
import { performance } from 'node:perf_hooks';
import { createLogMelExtractor } from '../src/pipeline/audio/logMel.js';
import { createResampler } from '../src/pipeline/audio/resampler.js';
import { embedderConfigFromManifest, slidingWindowEmbedder } from '../src/pipeline/encoder/index.js';
import { createAudioEncoder } from '../src/pipeline/output/index.js';
import { createInProcessClient } from '../src/pipeline/runtime/inProcessClient.js';
import { synthConfigFromManifest, synthesizeMelChunks } from '../src/pipeline/synthesizer/index.js';

const SECONDS = 20;

function noiseSignal(rate: number, seconds: number): Float32Array {
  let s = 1;
  return new Float32Array(Math.round(rate * seconds)).map((_, i) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return 0.3 * Math.sin(i * 0.07) + 0.1 * (s / 2 ** 32 - 0.5);
  });
}

/** Repeats of each measurement; the best is reported (the dev machine is shared, so noise only adds). */
const REPEATS = 3;

/**
 * Feeds 20 ms pieces of `x` (as a live stream would) to a fresh `work` from `make`, REPEATS times
 * after one warm-up run; returns the best seconds of CPU per second of audio.
 */
function perAudioSecond(x: Float32Array, rate: number, make: () => (piece: Float32Array) => void): number {
  const piece = rate / 50;
  let best = Infinity;
  for (let r = 0; r <= REPEATS; r++) {
    const work = make();
    const t0 = performance.now();
    for (let at = 0; at < x.length; at += piece) work(x.subarray(at, at + piece));
    if (r > 0) best = Math.min(best, (performance.now() - t0) / 1000 / (x.length / rate));
  }
  return best;
}

function row(name: string, cpuPerSecond: number, note = ''): void {
  console.log(`${name.padEnd(44)} ${(cpuPerSecond * 1000).toFixed(2).padStart(8)} ms/s audio  ${(1 / cpuPerSecond).toFixed(0).padStart(6)}x real time  ${note}`);
}

async function main(): Promise<void> {
  const client = await createInProcessClient();
  const x16 = noiseSignal(16000, SECONDS);
  console.log(`clonecast DSP bench: ${SECONDS} s of audio pushed in 20 ms pieces, one thread, best of ${REPEATS}`);
  for (const name of ['encoderMel', 'synthMel']) {
    row(`log-mel ${name}`, perAudioSecond(x16, 16000, () => {
      const ex = createLogMelExtractor(client.manifest.features[name]);
      return (p) => ex.push(p);
    }));
  }
  const x44 = noiseSignal(44100, SECONDS);
  row('resample 44.1 kHz -> 16 kHz', perAudioSecond(x44, 44100, () => {
    const down = createResampler(44100, 16000);
    return (p) => down.push(p);
  }));
  row('resample 16 kHz -> 48 kHz', perAudioSecond(x16, 16000, () => {
    const up = createResampler(16000, 48000);
    return (p) => up.push(p);
  }));
  for (const [format, sampleRate, channels] of [['pcm', 48000, 2], ['opus', 48000, 1], ['opus', 48000, 2]] as const) {
    row(`output ${format} ${sampleRate} Hz ${channels} ch (incl. resample)`, perAudioSecond(x16, 16000, () => {
      const enc = createAudioEncoder({ format, sampleRate, channels });
      return (p) => enc.push(p);
    }));
  }

  // Speaker encoder: enrollment of the noise signal as if all speech (VAD threshold far below).
  const config = { ...embedderConfigFromManifest(client.manifest), vadThresholdDb: -300 };
  const embedder = slidingWindowEmbedder({ client, config });
  let t0 = performance.now();
  const updates = await embedder.push(x16);
  const encodeS = (performance.now() - t0) / 1000;
  row('enrollment (log-mel + VAD + encoder.onnx)', encodeS / SECONDS, `${updates.length} windows, ${((encodeS / updates.length) * 1000).toFixed(1)} ms/window`);

  // Synthesizer: time to the first chunk and total, for a long sentence.
  const synth = synthConfigFromManifest(client.manifest);
  const ids = Array.from({ length: 120 }, (_, i) => 2 + (i % (synth.nSymbols - 2)));
  const embedding = updates[updates.length - 1].embedding;
  let frames = 0;
  t0 = performance.now();
  let first = 0;
  let chunks = 0;
  for await (const chunk of synthesizeMelChunks(client, synth, { symbols: ids, embedding, pace: 3 }, (p) => { frames = p.frames; })) {
    if (chunks++ === 0) first = performance.now() - t0;
  }
  const totalMs = performance.now() - t0;
  const audioS = (frames * client.manifest.features[client.manifest.synthesizer.features].hopLength) / 16000;
  row('synthesizer (synth_encoder + chunked decoder)', totalMs / 1000 / audioS, `${frames} frames in ${chunks} chunks, first chunk after ${first.toFixed(1)} ms`);
  client.close();
}

await main();
