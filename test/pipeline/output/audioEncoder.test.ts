import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createAudioEncoder, OpusFrameEncoder, OpusFrameError, OpusPacketDecoder, OutputConfigError } from '../../../src/pipeline/output/index.js';

/** A 16 kHz test voice: two tones with a slow amplitude wobble, `seconds` long. */
function voice16k(seconds: number): Float32Array {
  const x = new Float32Array(Math.round(16000 * seconds));
  for (let i = 0; i < x.length; i++) {
    const t = i / 16000;
    x[i] = (0.3 * Math.sin(2 * Math.PI * 220 * t) + 0.15 * Math.sin(2 * Math.PI * 1330 * t)) * (0.75 + 0.25 * Math.sin(2 * Math.PI * 3 * t));
  }
  return x;
}

function rms(x: ArrayLike<number>, scale = 1): number {
  let e = 0;
  for (let i = 0; i < x.length; i++) e += (x[i] / scale) ** 2;
  return Math.sqrt(e / x.length);
}

/** Pushes `x` in uneven pieces (as vocoder chunks arrive), then flushes. */
function encodeAll(encoder: ReturnType<typeof createAudioEncoder>, x: Float32Array): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let at = 0, size = 77; at < x.length; at += size, size = (size * 7) % 1500 + 1) frames.push(...encoder.push(x.subarray(at, at + size)));
  frames.push(...encoder.flush());
  return frames;
}

for (const channels of [1, 2] as const) {
  test(`opus ${channels} ch: every packet decodes to 20 ms at 48 kHz, total length and energy match`, () => {
    const x = voice16k(1.01);
    const frames = encodeAll(createAudioEncoder({ format: 'opus', sampleRate: 48000, channels }), x);
    assert.is(frames.length, Math.ceil((x.length * 3) / 960)); // last partial frame zero-padded
    const decoder = new OpusPacketDecoder(channels);
    const decoded: number[] = [];
    for (const packet of frames) {
      const pcm = decoder.decode(packet);
      assert.is(pcm.length, 960 * channels);
      decoded.push(...pcm);
    }
    const left = decoded.filter((_, i) => i % channels === 0);
    if (channels === 2) {
      const right = decoded.filter((_, i) => i % 2 === 1);
      assert.ok(rms(left.map((v, i) => v - right[i]), 32768) < 0.01, 'stereo channels carry the same voice');
    }
    // Compare energy over the steady middle (Opus has a few ms of start-up delay).
    const steadyIn = rms(x.subarray(1600, 14400));
    const steadyOut = rms(left.slice(4800, 43200), 32768);
    assert.ok(Math.abs(steadyOut / steadyIn - 1) < 0.1, `energy ratio ${steadyOut / steadyIn}`);
  });
}

for (const [rate, channels] of [[16000, 1], [24000, 1], [48000, 2]] as const) {
  test(`pcm ${rate} Hz ${channels} ch: 20 ms frames of 16-bit LE, last one zero-padded, samples preserved`, () => {
    const x = voice16k(0.5123);
    const frames = encodeAll(createAudioEncoder({ format: 'pcm', sampleRate: rate, channels }), x);
    const perFrame = (rate / 50) * channels * 2;
    for (const f of frames) assert.is(f.length, perFrame);
    const outSamples = Math.ceil((x.length * rate) / 16000);
    assert.is(frames.length, Math.ceil(outSamples / (rate / 50)));
    const all = new Int16Array(frames.length * perFrame / 2);
    frames.forEach((f, i) => all.set(new Int16Array(f.buffer, f.byteOffset, f.length / 2), (i * perFrame) / 2));
    const mono = all.filter((_, i) => i % channels === 0);
    assert.ok(mono.subarray(outSamples).every((v) => v === 0), 'padding is silence');
    if (rate === 16000) {
      for (let i = 0; i < x.length; i++) assert.ok(Math.abs(mono[i] / 32768 - x[i]) <= 1 / 32768);
    } else {
      assert.ok(Math.abs(rms(mono.subarray(rate / 10, outSamples - rate / 10), 32768) / rms(x.subarray(1600, x.length - 1600)) - 1) < 0.01);
    }
  });
}

test('flush with nothing pending returns no frames; an encoder serves consecutive utterances', () => {
  const encoder = createAudioEncoder({ format: 'pcm', sampleRate: 16000, channels: 1 });
  assert.equal(encoder.flush(), []);
  const a = encodeAll(encoder, voice16k(0.02));
  const b = encodeAll(encoder, voice16k(0.02));
  assert.is(a.length, 1);
  assert.equal(Array.from(a[0]), Array.from(b[0]));
});

test('flush with atLeastOneFrame yields exactly one silent frame when nothing is pending, and pads otherwise', () => {
  const encoder = createAudioEncoder({ format: 'opus', sampleRate: 48000, channels: 2 });
  const decoder = new OpusPacketDecoder(2);
  const silent = encoder.flush({ atLeastOneFrame: true });
  assert.is(silent.length, 1);
  const pcm = decoder.decode(silent[0]);
  assert.is(pcm.length, 960 * 2);
  assert.ok(pcm.every((v) => Math.abs(v) < 64), 'the frame is silence');
  const pending = encoder.push(new Float32Array(100).fill(0.5)); // 100 samples at 16 kHz: less than a frame
  assert.is(pending.length, 0);
  assert.is(encoder.flush({ atLeastOneFrame: true }).length, 1, 'a pending partial frame is the one frame; no extra silence');
});

test('the Opus frame encoder rejects a wrong frame size with an Error before libopus sees it', () => {
  const encoder = new OpusFrameEncoder(2);
  for (const size of [0, 959 * 2, 960, 961 * 2, 480 * 2]) {
    try {
      encoder.encode(new Int16Array(size));
      assert.unreachable(`size ${size} accepted`);
    } catch (err) {
      assert.instance(err, OpusFrameError);
    }
  }
  assert.ok(encoder.encode(new Int16Array(1920)).length > 0, 'a right-sized frame still encodes');
});

test('the Opus decoder rejects an empty packet and garbage with an Error', () => {
  const decoder = new OpusPacketDecoder(1);
  assert.throws(() => decoder.decode(new Uint8Array(0)), /empty/);
  assert.throws(() => decoder.decode(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff])));
});

test('bad output configurations are rejected with protocol error codes', () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ format: 'opus', sampleRate: 24000, channels: 1 }, 'unsupported_sample_rate'],
    [{ format: 'pcm', sampleRate: 44100, channels: 1 }, 'unsupported_sample_rate'],
    [{ format: 'mp3', sampleRate: 48000, channels: 1 }, 'invalid_field'],
    [{ format: 'opus', sampleRate: 48000, channels: 3 }, 'invalid_field'],
    [{ format: 'opus', sampleRate: 48000, channels: 1, bitrate: 1e9 }, 'invalid_field'],
  ];
  for (const [config, code] of cases) {
    try {
      createAudioEncoder(config as never);
      assert.unreachable(JSON.stringify(config));
    } catch (err) {
      assert.instance(err, OutputConfigError);
      assert.is((err as OutputConfigError).code, code, JSON.stringify(config));
    }
  }
});

test.run();
