import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWav } from '../../src/pipeline/audio/wav.js';
import { CloneCastError } from '../../src/client/errors.js';
import { readReferenceWav } from '../../src/client/referenceAudio.js';

/** `seconds` of a 220 Hz tone at `rate`. */
function tone(rate: number, seconds: number, amplitude = 0.5): Float32Array {
  return Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amplitude * Math.sin((2 * Math.PI * 220 * i) / rate));
}

test('a stereo WAV is mixed down to mono at its own rate', async () => {
  const left = tone(44100, 0.5);
  const right = new Float32Array(left.length); // silent channel: the mix is half the left
  const { pcm, sampleRate } = await readReferenceWav(writeWav({ sampleRate: 44100, channels: [left, right] }));
  assert.is(sampleRate, 44100);
  assert.is(pcm.length, left.length);
  assert.ok(Math.abs(pcm[100] - Math.round(left[100] * 0.5 * 32768)) <= 1, `${pcm[100]}`);
});

test('a rate above 48 kHz is resampled to 16 kHz', async () => {
  const { pcm, sampleRate } = await readReferenceWav(writeWav({ sampleRate: 96000, channels: [tone(96000, 1)] }));
  assert.is(sampleRate, 16000);
  assert.ok(Math.abs(pcm.length - 16000) <= 40, `${pcm.length} samples`);
  let peak = 0;
  for (const v of pcm.subarray(1000, 15000)) peak = Math.max(peak, Math.abs(v));
  assert.ok(Math.abs(peak / 32768 - 0.5) < 0.02, `tone amplitude ${peak / 32768}`);
});

test('a file that is not a 16-bit WAV is refused with bad_audio naming the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clonecast-ref-'));
  const path = join(dir, 'notes.txt');
  writeFileSync(path, 'not audio at all');
  try {
    await readReferenceWav(path).then(() => assert.unreachable('accepted'), (err) => {
      assert.instance(err, CloneCastError);
      assert.is(err.code, 'bad_audio');
      assert.match(err.message, /notes\.txt: invalid WAV/);
    });
    await readReferenceWav(join(dir, 'absent.wav')).then(() => assert.unreachable('accepted'), (err) => assert.is(err.code, 'bad_audio'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
