/** Shared set-up of the vocoder tests: the real models/ manifest and mel of a generated voiced signal. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { computeLogMel } from '../../../src/pipeline/audio/logMel.js';
import type { FeatureSpec } from '../../../src/pipeline/audio/featureSpec.js';
import type { VocodeRequest, VocodeResult } from '../../../src/pipeline/runtime/tasks.js';
import type { Vocoder, VocoderManifest } from '../../../src/pipeline/vocoder/index.js';

/** Repository root (tests run from dist/test/...). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const MODELS_DIR = resolve(ROOT, 'models');

export function readManifest(): VocoderManifest & { features: { synthMel: FeatureSpec } } {
  return JSON.parse(readFileSync(resolve(MODELS_DIR, 'manifest.json'), 'utf8'));
}

/** synthMel frames of `seconds` of a gliding harmonic tone with noise (a voice-like test signal). */
export function testMel(spec: FeatureSpec, seconds: number): { mel: Float32Array; frames: number } {
  const n = Math.round(seconds * spec.sampleRate);
  const x = new Float32Array(n);
  let phase = 0, seed = 12345;
  for (let i = 0; i < n; i++) {
    const f0 = 120 + 40 * Math.sin((2 * Math.PI * i) / n);
    phase += (2 * Math.PI * f0) / spec.sampleRate;
    seed = (seed * 1103515245 + 12345) >>> 0;
    let v = 0;
    for (let h = 1; h <= 10; h++) v += Math.sin(h * phase) / h;
    x[i] = 0.1 * v + 0.01 * (seed / 2 ** 32 - 0.5);
  }
  const m = computeLogMel(x, spec);
  return { mel: Float32Array.from(m.data), frames: m.frames };
}

/** Vocodes `mel` in chunks of the given frame counts (cycled), returning all samples joined and the first chunk's output length. */
export function vocodeChunked(
  voc: Vocoder, mel: Float32Array, frames: number, nMels: number, chunkSizes: number[], seed: number, engine?: VocodeRequest['engine'],
): { samples: Float32Array; firstChunkSamples: number } {
  const parts: Float32Array[] = [];
  let state: Uint8Array | null = null;
  let at = 0, c = 0;
  while (true) {
    const size = Math.min(chunkSizes[c++ % chunkSizes.length], frames - at);
    const final = at + size >= frames;
    const res: VocodeResult = voc.vocode({ mel: mel.slice(at * nMels, (at + size) * nMels), frames: size, final, state, seed, engine });
    parts.push(res.samples);
    state = res.state;
    at += size;
    if (final) break;
  }
  const total = parts.reduce((a, p) => a + p.length, 0);
  const samples = new Float32Array(total);
  let o = 0;
  for (const p of parts) {
    samples.set(p, o);
    o += p.length;
  }
  return { samples, firstChunkSamples: parts[0].length };
}
