import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inferWaveform, upsampleFrames, wavernnConfig, type WavernnGraphs } from '../../../src/pipeline/rtvc/wavernnVocoder.js';
import { maxAbsDiff } from '../../helpers/npz.js';
import { frameMajor, rtvcGolden, smallRtvcSection } from '../../helpers/rtvcFixtures.js';

const g = rtvcGolden('vocoder_golden.npz');
const { section, open } = smallRtvcSection('vocoder');
const config = wavernnConfig(section);
const graphs: WavernnGraphs = { upsample: open('upsample'), loop: open('sampleLoop') };
const mel = frameMajor(g.mel);
const T = 50;

test('upsampled features equal RTVC\'s (1e-5), and any chunking of the frames gives the same features', () => {
  const whole = upsampleFrames(graphs, config, mel, 0, T, 0, T);
  assert.ok(maxAbsDiff(whole.mels, g.up_mels.data as Float32Array) < 1e-5);
  assert.ok(maxAbsDiff(whole.aux, g.up_aux.data as Float32Array) < 1e-5);
  for (const [from, to] of [[0, 7], [7, 20], [20, 50]]) {
    // only the frames the chunk may see: its own plus `context` each side
    const lo = Math.max(0, from - config.context), hi = Math.min(T, to + config.context);
    const part = upsampleFrames(graphs, config, mel.slice(lo * 80, hi * 80), from, to, lo, to + config.context >= T ? T : Infinity);
    assert.ok(maxAbsDiff(part.mels, whole.mels.slice(from * 200 * 80, to * 200 * 80)) < 1e-6, `mels ${from}-${to}`);
    assert.ok(maxAbsDiff(part.aux, whole.aux.slice(from * 200 * 32, to * 200 * 32)) < 1e-6, `aux ${from}-${to}`);
  }
});

test('the step graph\'s logits, teacher-forced with RTVC\'s samples, match the first 16 steps (1e-4)', () => {
  const step = open('step');
  try {
    const up = upsampleFrames(graphs, config, mel, 0, T, 0, T);
    const idx = g.unbatched_idx.data as Int16Array;
    let h1: Float32Array = new Float32Array(64);
    let h2: Float32Array = new Float32Array(64);
    let x = 0;
    const logits: number[] = [];
    for (let i = 0; i < 16; i++) {
      const out = step.runSync({
        x: { type: 'float32', data: Float32Array.of(x), dims: [1, 1] },
        m_t: { type: 'float32', data: up.mels.slice(i * 80, (i + 1) * 80), dims: [1, 80] },
        aux_t: { type: 'float32', data: up.aux.slice(i * 32, (i + 1) * 32), dims: [1, 32] },
        h1: { type: 'float32', data: h1, dims: [1, 64] }, h2: { type: 'float32', data: h2, dims: [1, 64] },
      });
      logits.push(...(out.logits.data as Float32Array));
      h1 = out.h1_out.data as Float32Array;
      h2 = out.h2_out.data as Float32Array;
      x = Math.fround(Math.fround(2 * idx[i]) / 511 - 1);
    }
    assert.ok(maxAbsDiff(logits, g.unbatched_logits_first16.data as Float32Array) < 1e-4);
  } finally {
    step.release();
  }
});

for (const mode of ['unbatched', 'batched'] as const) {
  test(`${mode} infer_waveform: sampled classes exactly RTVC's given its uniforms, waveform within 1e-4`, () => {
    const u = g[`${mode}_u`].data as Float64Array;
    const out = inferWaveform(graphs, config, mel, mode === 'batched', (rows, length) => {
      assert.is(rows * length, u.length);
      return u;
    });
    const want = g[`${mode}_idx`].data as Int16Array;
    let differing = 0;
    for (let i = 0; i < want.length; i++) if (Number(out.classes[i]) !== want[i]) differing++;
    assert.is(differing, 0, `${differing} of ${want.length} classes differ`);
    assert.is(out.wav.length, 9800);
    assert.ok(maxAbsDiff(out.wav, g[`${mode}_wav_f64`].data as Float64Array) < 1e-4);
  });
}

/** The int8 pair: frame-rate upsampler (one ConvTranspose for the mel path) and its int8 loop. */
const int8: WavernnGraphs = { upsample: open('upsampleInt8'), loop: open('sampleLoopInt8'), auxAtFrameRate: true };

test('the int8 pair\'s upsampler gives RTVC\'s features (1e-5) with aux at frame rate, and any chunking gives the same (1e-6)', () => {
  const whole = upsampleFrames(int8, config, mel, 0, T, 0, T);
  assert.ok(maxAbsDiff(whole.mels, g.up_mels.data as Float32Array) < 1e-5, `mels ${maxAbsDiff(whole.mels, g.up_mels.data as Float32Array)}`);
  const A = config.auxChannels;
  assert.is(whole.aux.length, T * A, 'one aux row per frame');
  const stretched = new Float32Array(T * 200 * A);
  for (let i = 0; i < T * 200; i++) stretched.set(whole.aux.subarray(Math.floor(i / 200) * A, (Math.floor(i / 200) + 1) * A), i * A);
  assert.ok(maxAbsDiff(stretched, g.up_aux.data as Float32Array) < 1e-5, 'aux, stretched, is RTVC\'s');
  for (const [from, to] of [[0, 7], [7, 20], [20, 50]]) {
    const lo = Math.max(0, from - config.context), hi = Math.min(T, to + config.context);
    const part = upsampleFrames(int8, config, mel.slice(lo * 80, hi * 80), from, to, lo, to + config.context >= T ? T : Infinity);
    assert.ok(maxAbsDiff(part.mels, whole.mels.slice(from * 200 * 80, to * 200 * 80)) < 1e-6, `mels ${from}-${to}`);
    assert.ok(maxAbsDiff(part.aux, whole.aux.slice(from * A, to * A)) < 1e-6, `aux ${from}-${to}`);
  }
});

for (const mode of ['unbatched', 'batched'] as const) {
  test(`${mode}: the int8 pair stays close to the exact float32 path (RTVC's classes): most classes identical given its uniforms, all within 2, same waveform`, () => {
    const out = inferWaveform(int8, config, mel, mode === 'batched', () => g[`${mode}_u`].data as Float64Array);
    const want = g[`${mode}_idx`].data as Int16Array;
    assert.is(out.classes.length, want.length);
    let same = 0, within2 = 0;
    for (let i = 0; i < want.length; i++) {
      const d = Math.abs(Number(out.classes[i]) - want[i]);
      if (d === 0) same++;
      if (d <= 2) within2++;
    }
    assert.ok(same / want.length > 0.9, `${same} of ${want.length} identical`);
    assert.is(within2, want.length);
    const ref = g[`${mode}_wav_f64`].data as Float64Array;
    assert.is(out.wav.length, ref.length);
    let dot = 0, a = 0, b = 0;
    for (let i = 0; i < ref.length; i++) (dot += ref[i] * out.wav[i]), (a += ref[i] ** 2), (b += out.wav[i] ** 2);
    assert.ok(dot / Math.sqrt(a * b) > 0.999, 'waveform correlation');
  });
}

test.run();
