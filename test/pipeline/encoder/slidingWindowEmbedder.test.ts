import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resample } from '../../../src/pipeline/audio/resampler.js';
import {
  cosine, embedderConfigFromManifest, embedWhole, slidingWindowEmbedder, type EmbeddingUpdate,
} from '../../../src/pipeline/encoder/index.js';
import { createInProcessClient, type InProcessClient } from '../../../src/pipeline/runtime/inProcessClient.js';
import type { InferenceClient } from '../../../src/pipeline/runtime/tasks.js';
import { maxAbsDiff, seededRandom } from '../../helpers/dspFixtures.js';
import { loadSpeech16k } from '../../helpers/speechFixture.js';

let client: InProcessClient;
const speech = loadSpeech16k();

test.before(async () => {
  client = await createInProcessClient();
});
test.after(() => client.close());

const config = () => embedderConfigFromManifest(client.manifest);

async function pushInPieces(samples: Float32Array, seed: number, maxPiece: number, inputRate?: number) {
  const embedder = slidingWindowEmbedder({ client, config: config(), inputRate });
  const random = seededRandom(seed);
  const pending: Promise<EmbeddingUpdate[]>[] = [];
  for (let at = 0; at < samples.length; ) {
    const size = 1 + Math.floor(random() * maxPiece);
    pending.push(embedder.push(samples.subarray(at, at + size))); // not awaited: calls overlap
    at += size;
  }
  const updates = (await Promise.all(pending)).flat();
  return { embedder, updates };
}

test('incremental enrollment in random pieces ends on the whole-utterance embedding', async () => {
  const whole = await embedWhole(client, config(), speech);
  assert.ok(whole.windows >= 5, `the fixture holds ${whole.windows} windows of speech`);
  const { embedder, updates } = await pushInPieces(speech, 1, 3000);
  assert.is(updates.length, whole.windows);
  assert.is(embedder.latest!.windows, whole.windows);
  const diff = maxAbsDiff(embedder.latest!.embedding, whole.embedding!);
  assert.ok(diff < 1e-5, `max diff ${diff}`);
});

test('updates count windows in order, report speech seconds and how far the estimate moved', async () => {
  const { updates } = await pushInPieces(speech, 2, 8000);
  const { partialFrames, partialHop, features } = config();
  const frameSeconds = features.hopLength / features.sampleRate;
  updates.forEach((u, i) => {
    assert.is(u.windows, i + 1);
    assert.ok(Math.abs(u.speechSeconds - (i * partialHop + partialFrames) * frameSeconds) < 1e-9);
    assert.is(u.embedding.length, 256);
    let norm = 0;
    for (const v of u.embedding) norm += v * v;
    assert.ok(Math.abs(Math.sqrt(norm) - 1) < 1e-5, 'L2-normalised');
    if (i === 0) assert.is(u.movedCosine, null);
    else assert.ok(Math.abs(u.movedCosine! - cosine(updates[i - 1].embedding, u.embedding)) < 1e-12);
  });
});

test('silence is not speech: no windows, no speech seconds', async () => {
  const embedder = slidingWindowEmbedder({ client, config: config() });
  const quiet = new Float32Array(16000 * 3).map((_, i) => 1e-4 * Math.sin(i)); // about -83 dBFS
  assert.equal(await embedder.push(quiet), []);
  assert.is(embedder.speechSeconds, 0);
  assert.is(embedder.latest, null);
  const whole = await embedWhole(client, config(), quiet);
  assert.is(whole.windows, 0);
  assert.is(whole.embedding, null);
});

test('silence inside the reference is dropped: padding it with silence does not change the voice', async () => {
  const gap = new Float32Array(16000);
  const padded = new Float32Array(speech.length + 2 * gap.length);
  padded.set(speech.subarray(0, 60000), gap.length);
  padded.set(speech.subarray(60000), 60000 + 2 * gap.length);
  const a = await embedWhole(client, config(), speech);
  const b = await embedWhole(client, config(), padded);
  assert.is(b.windows, a.windows);
  // Frame boundaries shift at the splice, so allow a little change, far less than another voice.
  assert.ok(cosine(a.embedding!, b.embedding!) > 0.99, `cosine ${cosine(a.embedding!, b.embedding!)}`);
});

test('44.1 kHz input is resampled on the way in: same voice as the whole utterance resampled at once', async () => {
  const at44k = resample(speech, 16000, 44100);
  const { embedder } = await pushInPieces(at44k, 3, 5000, 44100);
  const whole = await embedWhole(client, config(), resample(at44k, 44100, 16000));
  assert.is(embedder.latest!.windows, whole.windows);
  const diff = maxAbsDiff(embedder.latest!.embedding, whole.embedding!);
  assert.ok(diff < 1e-5, `max diff ${diff}`);
});

test('a failed inference rejects that push only; later pushes still produce windows', async () => {
  let fail = true;
  const flaky: InferenceClient = {
    run: async (model, feeds) => {
      if (fail) { fail = false; throw new Error('inference failed'); }
      return client.run(model, feeds);
    },
    vocode: (r) => client.vocode(r),
  };
  const embedder = slidingWindowEmbedder({ client: flaky, config: config() });
  let rejected = false;
  await embedder.push(speech.subarray(0, 48000)).catch(() => { rejected = true; });
  assert.ok(rejected, 'first push rejected');
  const later = await embedder.push(speech.subarray(48000));
  assert.ok(later.length > 0);
  assert.is(later[0].movedCosine, null, 'the failed windows never entered the estimate');
});

test.run();
