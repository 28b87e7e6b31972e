/** `resynth`: WAV in (any rate) -> mel -> vocoder -> WAV out, aligned with the input. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resynth } from '../../src/client/resynth.js';
import { readWav, writeWav } from '../../src/pipeline/audio/wav.js';
import { VocoderError } from '../../src/pipeline/vocoder/index.js';
import { MODELS_DIR } from '../pipeline/vocoder/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'clonecast-resynth-'));
const input = join(dir, 'in.wav');
const rate = 22050;
const tone = new Float32Array(rate).map((_, i) => 0.3 * Math.sin((2 * Math.PI * 150 * i) / rate) + 0.1 * Math.sin((2 * Math.PI * 450 * i) / rate));
writeFileSync(input, writeWav({ sampleRate: rate, channels: [tone] }));

for (const engine of ['griffin-lim', 'onnx-loop']) {
  test(`writes 16 kHz audio as long as the input's whole frames (${engine})`, async () => {
    const out = join(dir, `${engine}.wav`);
    const result = await resynth({ in: input, out, modelsDir: MODELS_DIR, engine, chunkFrames: 7 });
    const wav = readWav(new Uint8Array(readFileSync(out)));
    assert.is(wav.sampleRate, 16000);
    // 1 s at 16 kHz = 16000 samples -> floor((16000 - 800) / 200) + 1 = 77 frames; output ends at 300 + 77*200.
    assert.is(result.frames, 77);
    assert.is(wav.channels[0].length, 300 + 77 * 200);
    assert.is(result.engine, engine);
    assert.ok(wav.channels[0].some((v) => Math.abs(v) > 0.01), 'not silent');
  });
}

test('rejects an unknown engine with a coded error', async () => {
  try {
    await resynth({ in: input, out: join(dir, 'x.wav'), modelsDir: MODELS_DIR, engine: 'wavenet' });
    assert.unreachable('should throw');
  } catch (err) {
    assert.instance(err, VocoderError);
    assert.is((err as VocoderError).code, 'vocoder_bad_request');
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
