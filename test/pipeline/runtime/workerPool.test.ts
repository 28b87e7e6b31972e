import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuntimeError } from '../../../src/pipeline/runtime/errors.js';
import { ManifestError } from '../../../src/pipeline/runtime/modelManifest.js';
import type { Tensor, VocodeRequest, VocodeResult } from '../../../src/pipeline/runtime/tasks.js';
import { TEST_HOOKS_ENV } from '../../../src/pipeline/runtime/testHooks.js';
import { createWorkerPool, type TaskLabel } from '../../../src/pipeline/runtime/workerPool.js';

process.env[TEST_HOOKS_ENV] = '1';

/** One 160-frame encoderMel window of a made-up signal. */
function melWindow(seed: number): Record<string, Tensor> {
  const data = new Float32Array(160 * 40);
  for (let i = 0; i < data.length; i++) data[i] = -6 + 3 * Math.sin(i * 0.01 * (seed + 1));
  return { mels: { type: 'float32', data, dims: [1, 160, 40] } };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    assert.instance(err, RuntimeError);
    return (err as RuntimeError).code;
  }
  return 'resolved';
}

test('runs every model role and returns L2-normalised embeddings', async () => {
  const pool = createWorkerPool({ workers: 2 });
  try {
    const manifest = await pool.ready;
    assert.is(pool.stats().readyWorkers, 2);
    const outputs = await Promise.all([0, 1, 2, 3].map((s) => pool.run('encoder', melWindow(s))));
    for (const out of outputs) {
      assert.equal(out.embedding.dims, [1, manifest.encoder.embeddingDim]);
      const norm = Math.hypot(...(out.embedding.data as Float32Array));
      assert.ok(Math.abs(norm - 1) < 1e-4, `norm ${norm}`);
    }
    const symbols: Tensor = { type: 'int64', data: new BigInt64Array([9n, 6n, 13n, 13n, 16n]), dims: [1, 5] };
    const speaker: Tensor = { type: 'float32', data: (outputs[0].embedding.data as Float32Array).slice(), dims: [1, 256] };
    const enc = await pool.run('synthEncoder', { symbols, speaker });
    assert.equal(enc.durations.dims, [1, 5]);
    const hidden = enc.hidden;
    const dec = await pool.run('synthDecoder', { frames: { type: 'float32', data: hidden.data, dims: [1, 5, hidden.dims[2]] } });
    assert.equal(dec.mel.dims, [1, 5, 80]);
  } finally {
    await pool.close();
  }
});

test('whole feed buffers are transferred, views of a larger buffer are copied', async () => {
  const pool = createWorkerPool({ workers: 1 });
  try {
    await pool.ready;
    const whole = melWindow(1);
    await pool.run('encoder', whole);
    assert.is(whole.mels.data.length, 0, 'transferred buffer is detached');
    const big = new Float32Array(160 * 40 * 2).fill(-4);
    const view = big.subarray(160 * 40);
    await pool.run('encoder', { mels: { type: 'float32', data: view, dims: [1, 160, 40] } });
    assert.is(big.length, 160 * 40 * 2, 'the larger buffer is untouched');
    assert.is(big[0], -4);
  } finally {
    await pool.close();
  }
});

test('a feed the caller already handed over fails with a clear error instead of hanging', async () => {
  const pool = createWorkerPool({ workers: 1 });
  try {
    await pool.ready;
    const mel = new Float32Array(8 * 80).fill(-5);
    await pool.vocode({ mel, frames: 8, final: true, state: null, seed: 1 });
    assert.is(mel.length, 0, 'transferred on the first call');
    const again = await pool.vocode({ mel, frames: 8, final: true, state: null, seed: 1 }).then(() => null, (err) => err);
    assert.instance(again, RuntimeError);
    assert.is(again.code, 'inference_failed');
    assert.match(again.message, /already handed to the pool/);
  } finally {
    await pool.close();
  }
});

test('a crashing worker fails only its own task and is replaced', async () => {
  const exits: string[] = [];
  const done: TaskLabel[] = [];
  const pool = createWorkerPool({
    workers: 2,
    hooks: { onWorkerExit: (d) => exits.push(d), onTaskDone: (label, _s, outcome) => outcome === 'ok' && done.push(label) },
  });
  try {
    await pool.ready;
    const crash = codeOf(pool.runTestHook({ kind: 'test-crash' }));
    const others = [0, 1, 2, 3, 4, 5].map((s) => pool.run('encoder', melWindow(s)));
    assert.is(await crash, 'worker_crashed');
    const results = await Promise.all(others);
    assert.is(results.length, 6);
    assert.equal(exits, ['crash requested by a test hook']);
    // The replacement comes up and the pool is back to full strength.
    await pool.runTestHook({ kind: 'test-sleep', ms: 1 });
    while (pool.stats().readyWorkers < 2) await new Promise((r) => setTimeout(r, 20));
    assert.is(pool.stats().workers, 2);
    await Promise.all([pool.run('encoder', melWindow(7)), pool.run('encoder', melWindow(8))]);
    assert.is(done.filter((l) => l === 'encoder').length, 8);
  } finally {
    await pool.close();
  }
});

test('an armed fault fires on the worker\'s next task of its kind: crash and exit fail that task and replace the worker, throw fails only the call', async () => {
  const exits: string[] = [];
  const pool = createWorkerPool({ workers: 1, maxQueueWaitMs: 30000, hooks: { onWorkerExit: (d) => exits.push(d) } });
  const chunk = (): VocodeRequest => ({ mel: new Float32Array(8 * 80).fill(-5), frames: 8, final: true, state: null, seed: 1 });
  try {
    await pool.ready;
    await pool.runTestHook({ kind: 'test-arm-fault', task: 'vocode', fault: 'crash' });
    const encoded = await pool.run('encoder', melWindow(0)); // not a vocoder task: untouched
    assert.ok(encoded.embedding.data.length > 0);
    assert.is(await codeOf(pool.vocode(chunk())), 'worker_crashed');
    assert.equal(exits, ['crash armed by a test hook']);
    assert.ok((await pool.vocode(chunk())).samples.length > 0, 'the replacement serves (and is not armed)');

    await pool.runTestHook({ kind: 'test-arm-fault', task: 'synth', fault: 'exit' });
    assert.is(await codeOf(pool.run('synthDecoder', { frames: { type: 'float32', data: new Float32Array(5 * 256), dims: [1, 5, 256] } })), 'worker_crashed');
    assert.equal(exits[1], 'exit code 70');

    await pool.runTestHook({ kind: 'test-arm-fault', task: 'encoder', fault: 'throw' });
    assert.is(await codeOf(pool.run('encoder', melWindow(1))), 'inference_failed');
    await pool.run('encoder', melWindow(2));
    assert.is(exits.length, 2, 'a throwing call does not kill the worker');
  } finally {
    await pool.close();
  }
});

test('a task that waits longer than maxQueueWaitMs is rejected as busy', async () => {
  const waits: number[] = [];
  const pool = createWorkerPool({ workers: 1, maxQueueWaitMs: 50, hooks: { onQueueWait: (s) => waits.push(s) } });
  try {
    await pool.ready;
    const occupied = pool.runTestHook({ kind: 'test-sleep', ms: 1000 });
    assert.is(await codeOf(pool.run('encoder', melWindow(0))), 'busy');
    await occupied;
    // Once the worker is free again, work is admitted.
    const out = await pool.run('encoder', melWindow(0));
    assert.equal(out.embedding.dims, [1, 256]);
    assert.is(waits.length, 2, 'queue wait reported for each started task');
  } finally {
    await pool.close();
  }
});

test('a full queue rejects at once with busy', async () => {
  const pool = createWorkerPool({ workers: 1, maxQueueLength: 1, maxQueueWaitMs: 5000 });
  try {
    await pool.ready;
    const occupied = pool.runTestHook({ kind: 'test-sleep', ms: 300 });
    const queued = pool.run('encoder', melWindow(0));
    assert.is(await codeOf(pool.run('encoder', melWindow(1))), 'busy');
    await Promise.all([occupied, queued]);
  } finally {
    await pool.close();
  }
});

test('high-priority tasks start before earlier normal ones', async () => {
  const pool = createWorkerPool({ workers: 1, maxQueueWaitMs: 5000 });
  try {
    await pool.ready;
    const order: string[] = [];
    const occupied = pool.runTestHook({ kind: 'test-sleep', ms: 200 });
    const normal = pool.run('encoder', melWindow(0), { priority: 'normal' }).then(() => order.push('normal'));
    const high = pool.run('encoder', melWindow(1), { priority: 'high' }).then(() => order.push('high'));
    await Promise.all([occupied, normal, high]);
    assert.equal(order, ['high', 'normal']);
  } finally {
    await pool.close();
  }
});

test('with deadlines, the earliest due task runs first', async () => {
  const pool = createWorkerPool({ workers: 1, maxQueueWaitMs: 5000 });
  try {
    await pool.ready;
    const order: string[] = [];
    const occupied = pool.runTestHook({ kind: 'test-sleep', ms: 200 });
    const now = performance.now();
    const late = pool.run('encoder', melWindow(0), { deadline: now + 1000 }).then(() => order.push('late'));
    const fresh = pool.run('encoder', melWindow(1)).then(() => order.push('fresh'));
    const overdue = pool.run('encoder', melWindow(2), { deadline: now - 100 }).then(() => order.push('overdue'));
    await Promise.all([occupied, late, fresh, overdue]);
    assert.equal(order, ['overdue', 'fresh', 'late']);
  } finally {
    await pool.close();
  }
});

test('the bounded wait counts from when a task is due, not from when it was queued', async () => {
  const pool = createWorkerPool({ workers: 1, maxQueueWaitMs: 100 });
  try {
    await pool.ready;
    const occupied = pool.runTestHook({ kind: 'test-sleep', ms: 400 });
    const ahead = pool.run('encoder', melWindow(0), { deadline: performance.now() + 1000 });
    assert.is(await codeOf(pool.run('encoder', melWindow(1))), 'busy');
    await occupied;
    assert.is(await codeOf(ahead), 'resolved');
  } finally {
    await pool.close();
  }
});

test('aborting a queued task removes it with code aborted', async () => {
  const pool = createWorkerPool({ workers: 1, maxQueueWaitMs: 5000 });
  try {
    await pool.ready;
    const occupied = pool.runTestHook({ kind: 'test-sleep', ms: 200 });
    const controller = new AbortController();
    const queued = codeOf(pool.run('encoder', melWindow(0), { signal: controller.signal }));
    controller.abort();
    assert.is(await queued, 'aborted');
    assert.is(pool.stats().queued, 0);
    await occupied;
  } finally {
    await pool.close();
  }
});

test('queued vocoder chunks of several streams run as one batch, each as if alone', async () => {
  const batches: number[] = [];
  const pool = createWorkerPool({ workers: 1, maxQueueWaitMs: 10000, hooks: { onVocodeBatch: (n) => batches.push(n) } });
  const chunk = (seed: number): VocodeRequest => {
    const mel = new Float32Array(12 * 80);
    for (let i = 0; i < mel.length; i++) mel[i] = -4 + Math.sin(i * 0.37 * (seed + 1));
    return { mel, frames: 12, final: false, state: null, seed };
  };
  try {
    await pool.ready;
    const alone: VocodeResult[] = [];
    for (const seed of [1, 2, 3]) alone.push(await pool.vocode(chunk(seed)));
    assert.equal(batches, [], 'one at a time: no batch');
    const occupied = pool.runTestHook({ kind: 'test-sleep', ms: 300 });
    const together = await Promise.all([1, 2, 3].map((seed) => pool.vocode(chunk(seed))));
    await occupied;
    assert.equal(batches, [3]);
    together.forEach((r, i) => {
      assert.ok(r.samples.length > 0);
      assert.equal(r.samples, alone[i].samples);
      assert.equal(r.state, alone[i].state);
    });
  } finally {
    await pool.close();
  }
});

test('a bad chunk in a batch fails alone', async () => {
  const pool = createWorkerPool({ workers: 1, maxQueueWaitMs: 10000 });
  try {
    await pool.ready;
    const good = (): VocodeRequest => ({ mel: new Float32Array(8 * 80).fill(-5), frames: 8, final: true, state: null, seed: 1 });
    const occupied = pool.runTestHook({ kind: 'test-sleep', ms: 200 });
    const bad: VocodeRequest = { ...good(), state: new Uint8Array([1, 2, 3]) };
    const [a, b, c] = await Promise.allSettled([pool.vocode(good()), pool.vocode(bad), pool.vocode(good())]);
    await occupied;
    assert.is(a.status, 'fulfilled');
    assert.is(b.status, 'rejected');
    assert.is(c.status, 'fulfilled');
  } finally {
    await pool.close();
  }
});

test('an unusable models directory rejects ready and every task', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clonecast-empty-'));
  const pool = createWorkerPool({ modelsDir: dir });
  try {
    await pool.ready.then(() => assert.unreachable('ready resolved'), (err) => assert.instance(err, ManifestError));
    await pool.run('encoder', melWindow(0)).then(() => assert.unreachable('run resolved'), (err) => assert.instance(err, ManifestError));
    assert.is(pool.isReady(), false);
  } finally {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('closing rejects queued work with pool_closed', async () => {
  const pool = createWorkerPool({ workers: 1, maxQueueWaitMs: 5000 });
  await pool.ready;
  const occupied = codeOf(pool.runTestHook({ kind: 'test-sleep', ms: 300 }));
  const queued = codeOf(pool.run('encoder', melWindow(0)));
  await pool.close();
  assert.is(await queued, 'pool_closed');
  assert.is(await occupied, 'pool_closed');
  assert.is(await codeOf(pool.run('encoder', melWindow(0))), 'pool_closed');
});

test.run();
