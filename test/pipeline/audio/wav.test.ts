import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { floatToInt16, readWav, toMono, WavError, writeWav } from '../../../src/pipeline/audio/wav.js';

function ramp(n: number, scale: number): Float32Array {
  return new Float32Array(n).map((_, i) => (((i * 37) % 200) - 100) / 100 * scale);
}

for (const [rate, channels] of [[16000, 1], [44100, 2], [8000, 2], [48000, 1]] as const) {
  test(`write then read a ${channels}-channel ${rate} Hz WAV gives the samples back to int16 precision`, () => {
    const audio = { sampleRate: rate, channels: Array.from({ length: channels }, (_, c) => ramp(1001, 0.9 - 0.3 * c)) };
    const back = readWav(writeWav(audio));
    assert.is(back.sampleRate, rate);
    assert.is(back.channels.length, channels);
    for (let c = 0; c < channels; c++) {
      assert.is(back.channels[c].length, 1001);
      for (let i = 0; i < 1001; i++) assert.ok(Math.abs(back.channels[c][i] - audio.channels[c][i]) <= 0.5 / 32768 + 1e-9);
    }
  });
}

test('reads a WAV written by sox (stereo, 22050 Hz) and agrees on its samples', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clonecast-wav-'));
  try {
    const path = join(dir, 'tone.wav');
    execFileSync('sox', ['-n', '-r', '22050', '-c', '2', '-b', '16', path, 'synth', '0.1', 'sine', '440', 'vol', '0.5']);
    const wav = readWav(new Uint8Array(readFileSync(path)));
    assert.is(wav.sampleRate, 22050);
    assert.is(wav.channels.length, 2);
    assert.is(wav.channels[0].length, 2205);
    let peak = 0;
    for (const x of wav.channels[0]) peak = Math.max(peak, Math.abs(x));
    assert.ok(Math.abs(peak - 0.5) < 0.01, `peak ${peak}`);
    const mono = toMono(wav);
    for (let i = 0; i < mono.length; i++) assert.ok(Math.abs(mono[i] - (wav.channels[0][i] + wav.channels[1][i]) / 2) < 1e-7);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('float to int16 rounds and saturates', () => {
  assert.is(floatToInt16(1), 32767);
  assert.is(floatToInt16(-1), -32768);
  assert.is(floatToInt16(2), 32767);
  assert.is(floatToInt16(0.5), 16384);
});

test('non-WAV, non-PCM and 8-bit files are rejected with a coded error', () => {
  const good = writeWav({ sampleRate: 16000, channels: [ramp(10, 0.5)] });
  const floatFormat = good.slice(); floatFormat[20] = 3;
  const eightBit = good.slice(); eightBit[34] = 8;
  const noData = good.slice(0, 36);
  for (const [bytes, why] of [[new Uint8Array(4), /RIFF/], [floatFormat, /not PCM/], [eightBit, /8-bit/], [noData, /no data/]] as const) {
    try {
      readWav(bytes);
      assert.unreachable();
    } catch (err) {
      assert.instance(err, WavError);
      assert.is((err as WavError).code, 'invalid_wav');
      assert.match((err as Error).message, why);
    }
  }
});

test.run();
