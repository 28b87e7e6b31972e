import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitForDrain } from '../../src/server/backpressure.js';

test('returns at once below the high-water mark', () => {
  assert.is(waitForDrain({ bufferedAmount: 100, readyState: 1 }, 100, 1000), 'drained');
  assert.is(waitForDrain({ bufferedAmount: 0, readyState: 3 }, 100, 1000), 'closed');
});

test('waits until the buffer falls to half the mark', async () => {
  const socket = { bufferedAmount: 500, readyState: 1 };
  const result = waitForDrain(socket, 100, 10_000);
  setTimeout(() => (socket.bufferedAmount = 80), 20); // still above 50: keep waiting
  setTimeout(() => (socket.bufferedAmount = 40), 60);
  assert.is(await result, 'drained');
  assert.is(socket.bufferedAmount, 40);
});

test('gives up after the timeout, or when aborted', async () => {
  assert.is(await waitForDrain({ bufferedAmount: 500, readyState: 1 }, 100, 30), 'timeout');
  const controller = new AbortController();
  const result = waitForDrain({ bufferedAmount: 500, readyState: 1 }, 100, 10_000, controller.signal);
  controller.abort();
  assert.is(await result, 'aborted');
});

test.run();
