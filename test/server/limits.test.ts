import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { DEFAULT_LIMITS, resolveLimits } from '../../src/server/limits.js';

test('defaults fill what is not given', () => {
  const limits = resolveLimits({ maxTextChars: 10 });
  assert.is(limits.maxTextChars, 10);
  assert.is(limits.maxFrameBytes, DEFAULT_LIMITS.maxFrameBytes);
});

test('nonsense limits are refused at start', () => {
  assert.throws(() => resolveLimits({ maxQueuedUtterances: 0 }), /maxQueuedUtterances/);
  assert.throws(() => resolveLimits({ idleTimeoutMs: Number.NaN }), /idleTimeoutMs/);
});

test('every limit and its default is documented in docs/protocol.md', () => {
  const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
  for (const [name, value] of Object.entries(DEFAULT_LIMITS)) {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
    assert.ok(row, `${name} missing from the limits table`);
    assert.ok(row!.includes(String(value)) || row!.includes(`${value / 1000} s`), `${name}: default ${value} not in "${row}"`);
  }
});

test.run();
