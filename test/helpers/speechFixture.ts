/** test/fixtures/dsp/speech16k.wav: 9 s of espeak-ng English at 16 kHz (see test/fixtures/dsp/README.md). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readWav, toMono } from '../../src/pipeline/audio/wav.js';

export function loadSpeech16k(): Float32Array {
  const path = fileURLToPath(new URL('../../../test/fixtures/dsp/speech16k.wav', import.meta.url));
  return toMono(readWav(new Uint8Array(readFileSync(path))));
}
