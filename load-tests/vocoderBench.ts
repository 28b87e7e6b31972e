/**
 * Vocoder speed: microseconds per output sample and real-time factor (audio seconds per compute
 * second, so 3 means three times faster than real time) for each engine, one stream and N
 * concurrent streams batched into one call per chunk. One thread (the engines are single-threaded;
 * the worker pool spreads streams over cores). Prints figures, asserts nothing. Also prints this
 * process's CPU time per sample: on a shared machine wall time includes waiting for a core.
 *
 *   npm run build && node dist/load-tests/vocoderBench.js [--seconds 4] [--chunk 10] [--streams 1,4,8]
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { computeLogMel } from '../src/pipeline/audio/logMel.js';
import type { FeatureSpec } from '../src/pipeline/audio/featureSpec.js';
import type { VocodeRequest } from '../src/pipeline/runtime/tasks.js';
import { createVocoder, type VocoderEngine, type VocoderManifest } from '../src/pipeline/vocoder/index.js';
import { nativeAddonPath } from '../src/pipeline/vocoder/nativeLoop.js';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: process.env.CLONECAST_MODELS ?? 'models' },
    seconds: { type: 'string', default: '4' },
    chunk: { type: 'string', default: '10' },
    streams: { type: 'string', default: '1,4,8' },
  },
});
const modelsDir = resolve(values.models!);
const manifest = JSON.parse(readFileSync(resolve(modelsDir, 'manifest.json'), 'utf8')) as VocoderManifest;
const spec = manifest.features.synthMel as FeatureSpec;
const chunk = Number(values.chunk);

/** Mel of a voice-like test signal (content does not change the cost). */
function benchMel(seconds: number): { mel: Float32Array; frames: number } {
  const n = Math.round(seconds * spec.sampleRate);
  const x = new Float32Array(n);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    phase += (2 * Math.PI * (110 + 30 * Math.sin(i / 4000))) / spec.sampleRate;
    x[i] = 0.2 * Math.sin(phase) + 0.05 * Math.sin(3 * phase) + 0.01 * (Math.random() - 0.5);
  }
  const m = computeLogMel(x, spec);
  return { mel: Float32Array.from(m.data), frames: m.frames };
}

const { mel, frames } = benchMel(Number(values.seconds));
const engines: VocoderEngine[] = [];
if (manifest.vocoder && nativeAddonPath()) engines.push('native');
if (manifest.vocoder) engines.push('onnx-loop');
engines.push('griffin-lim');

console.log(`vocoder bench: ${(frames * spec.hopLength / spec.sampleRate).toFixed(2)} s of audio per stream, chunks of ${chunk} frames, models ${modelsDir}`);
console.log('engine        streams  wall us/sample/stream  cpu us/sample/stream  aggregate x realtime (wall, cpu)  first chunk ms');
for (const engine of engines) {
  const voc = await createVocoder(modelsDir, manifest, { engine });
  for (const streams of values.streams!.split(',').map(Number)) {
    if (engine === 'griffin-lim' && streams > 1) continue; // no batching: N streams cost N times one
    const states: (Uint8Array | null)[] = new Array(streams).fill(null);
    let samples = 0, firstChunkMs = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let at = 0; at < frames; at += chunk) {
      const size = Math.min(chunk, frames - at);
      const reqs: VocodeRequest[] = states.map((state, s) => ({
        mel: mel.slice(at * spec.nMels, (at + size) * spec.nMels), frames: size, final: at + size >= frames, state, seed: s,
        engine: engine === 'griffin-lim' ? 'griffin-lim' : 'default',
      }));
      const results = streams === 1 ? [voc.vocode(reqs[0])] : voc.vocodeBatch(reqs);
      results.forEach((r, s) => {
        states[s] = r.state;
        samples += r.samples.length;
      });
      if (at === 0) firstChunkMs = performance.now() - t0;
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const audioSeconds = samples / spec.sampleRate;
    console.log(
      `${engine.padEnd(13)} ${String(streams).padStart(7)}  ${((seconds * 1e6) / samples).toFixed(2).padStart(21)}  ${((cpuSeconds * 1e6) / samples).toFixed(2).padStart(20)}  ${`${(audioSeconds / seconds).toFixed(2)}, ${(audioSeconds / cpuSeconds).toFixed(2)}`.padStart(32)}  ${firstChunkMs.toFixed(1).padStart(14)}`,
    );
  }
  voc.release();
}
