import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createInProcessClient, type InProcessClient } from '../../../src/pipeline/runtime/inProcessClient.js';
import type { InferenceClient, ModelKey } from '../../../src/pipeline/runtime/tasks.js';
import {
  frameDurations, regulateLength, synthConfigFromManifest, synthesizeMelChunks, SynthesisError, type SynthesisPlan,
} from '../../../src/pipeline/synthesizer/index.js';
import type { MelChunk } from '../../../src/pipeline/types.js';
import { maxAbsDiff, seededRandom } from '../../helpers/dspFixtures.js';

let client: InProcessClient;
test.before(async () => {
  client = await createInProcessClient();
});
test.after(() => client.close());

const config = () => synthConfigFromManifest(client.manifest);

function voice(seed: number): Float32Array {
  const random = seededRandom(seed);
  const e = new Float32Array(256).map(() => random() - 0.5);
  const norm = Math.hypot(...e);
  return e.map((v) => v / norm);
}

/** Symbol ids spelling a sentence of `n` symbols (letters and spaces of the manifest's table). */
function symbols(n: number): number[] {
  const table = client.manifest.synthesizer.symbols;
  const text = 'the quick brown fox jumps over the lazy dog and keeps on running far away ';
  const ids: number[] = [];
  for (let i = 0; ids.length < n; i++) {
    const id = table.indexOf(text[i % text.length]);
    if (id > 0) ids.push(id);
  }
  return ids;
}

/** Records the calls made through a client. */
function countingClient(inner: InferenceClient) {
  const calls: ModelKey[] = [];
  const counted: InferenceClient = {
    run: (model, feeds) => { calls.push(model); return inner.run(model, feeds); },
    vocode: (r) => inner.vocode(r),
  };
  return { counted, calls };
}

async function collect(it: AsyncIterable<MelChunk>): Promise<MelChunk[]> {
  const out: MelChunk[] = [];
  for await (const c of it) out.push(c);
  return out;
}

test('chunks joined equal decoding the whole length-regulated sequence at once', async () => {
  const cfg = config();
  const ids = symbols(40);
  const embedding = voice(1);
  let plan: SynthesisPlan | undefined;
  // pace stretches the random-weight model's short durations into a few hundred frames
  const chunks = await collect(synthesizeMelChunks(client, cfg, { symbols: ids, embedding, pace: 4 }, (p) => { plan = p; }));
  assert.ok(plan && plan.frames > 3 * cfg.chunkFrames, `plan ${plan?.frames} frames`);
  assert.ok(chunks.length >= 3);
  chunks.forEach((c, i) => {
    assert.is(c.index, i);
    assert.is(c.final, i === chunks.length - 1);
    assert.is(c.channels, cfg.nMels);
    assert.is(c.data.length, c.frames * cfg.nMels);
  });
  assert.is(chunks[0].frames, cfg.chunkFrames);
  assert.is(chunks.reduce((s, c) => s + c.frames, 0), plan!.frames);

  const enc = await client.run('synthEncoder', {
    symbols: { type: 'int64', data: BigInt64Array.from(ids, BigInt), dims: [1, ids.length] },
    speaker: { type: 'float32', data: embedding.slice(), dims: [1, 256] },
  });
  const frames = regulateLength(enc.hidden.data as Float32Array, cfg.hiddenDim, frameDurations(enc.durations.data as Float32Array, 4));
  const whole = await client.run('synthDecoder', { frames: { type: 'float32', data: frames, dims: [1, plan!.frames, cfg.hiddenDim] } });
  const joined = new Float32Array(plan!.frames * cfg.nMels);
  let at = 0;
  for (const c of chunks) { joined.set(c.data, at); at += c.data.length; }
  const diff = maxAbsDiff(joined, whole.mel.data as Float32Array);
  assert.ok(diff < 1e-4, `max diff ${diff}`);
});

test('the first chunk is yielded after one decoder call (plus one prefetch), before the rest are decoded', async () => {
  const { counted, calls } = countingClient(client);
  const it = synthesizeMelChunks(counted, config(), { symbols: symbols(40), embedding: voice(2), pace: 4 });
  const first = await it.next();
  assert.is(first.done, false);
  assert.is((first.value as MelChunk).index, 0);
  assert.equal(calls, ['synthEncoder', 'synthDecoder', 'synthDecoder']);
  const rest = [];
  for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value);
  assert.ok(rest.length >= 2);
  assert.is(calls.filter((c) => c === 'synthDecoder').length, rest.length + 1);
});

test('aborting between chunks stops decoding and ends the iteration with the abort reason', async () => {
  const { counted, calls } = countingClient(client);
  const controller = new AbortController();
  const it = synthesizeMelChunks(counted, config(), { symbols: symbols(40), embedding: voice(3), pace: 4, signal: controller.signal });
  await it.next();
  controller.abort();
  const decodesBefore = calls.length;
  try {
    await it.next();
    assert.unreachable('iteration went on after abort');
  } catch (err) {
    assert.is((err as Error).name, 'AbortError');
  }
  assert.is(calls.length, decodesBefore, 'no decoder call after the abort');
  assert.equal(await it.next(), { done: true, value: undefined });
});

test('an already aborted signal runs no model at all', async () => {
  const { counted, calls } = countingClient(client);
  const it = synthesizeMelChunks(counted, config(), { symbols: symbols(5), embedding: voice(4), signal: AbortSignal.abort() });
  await it.next().then(() => assert.unreachable(), (err) => assert.is(err.name, 'AbortError'));
  assert.equal(calls, []);
});

test('pace scales the utterance length', async () => {
  const lengths: number[] = [];
  for (const pace of [2, 4]) {
    let frames = 0;
    await collect(synthesizeMelChunks(client, config(), { symbols: symbols(30), embedding: voice(5), pace }, (p) => { frames = p.frames; }));
    lengths.push(frames);
  }
  assert.ok(Math.abs(lengths[1] / lengths[0] - 2) < 0.15, `lengths ${lengths}`);
});

test('bad requests are refused with coded errors before any model runs', async () => {
  const { counted, calls } = countingClient(client);
  const cfg = config();
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ symbols: [], embedding: voice(1) }, 'invalid_symbols'],
    [{ symbols: [1, 2, cfg.nSymbols], embedding: voice(1) }, 'invalid_symbols'],
    [{ symbols: [1, 2.5], embedding: voice(1) }, 'invalid_symbols'],
    [{ symbols: [1, 2], embedding: new Float32Array(255) }, 'invalid_embedding'],
    [{ symbols: [1, 2], embedding: new Float32Array(256).fill(NaN) }, 'invalid_embedding'],
    [{ symbols: [1, 2], embedding: voice(1), pace: 0 }, 'invalid_option'],
    [{ symbols: [1, 2], embedding: voice(1), firstChunkFrames: 0 }, 'invalid_option'],
  ];
  for (const [request, code] of cases) {
    try {
      await collect(synthesizeMelChunks(counted, cfg, request as never));
      assert.unreachable(code);
    } catch (err) {
      assert.instance(err, SynthesisError);
      assert.is((err as SynthesisError).code, code);
    }
  }
  assert.equal(calls, []);
});

test('an utterance past maxFrames is refused with too_long', async () => {
  try {
    await collect(synthesizeMelChunks(client, config(), { symbols: symbols(40), embedding: voice(1), pace: 4, maxFrames: 10 }));
    assert.unreachable();
  } catch (err) {
    assert.is((err as SynthesisError).code, 'too_long');
  }
});

test('length regulation rounds half to even and repeats hidden rows', () => {
  assert.equal(Array.from(frameDurations(Float32Array.from([0.5, 1.5, 2.5, -1, NaN, 2.4]), 1)), [0, 2, 2, 0, 0, 2]);
  const hidden = Float32Array.from([1, 2, 3, 4]); // 2 symbols, H = 2
  assert.equal(Array.from(regulateLength(hidden, 2, Int32Array.from([2, 1]))), [1, 2, 1, 2, 3, 4]);
});

test.run();
