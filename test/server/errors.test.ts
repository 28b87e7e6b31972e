import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { ERROR_CODES, ProtocolError, protocolError, toProtocolError } from '../../src/server/errors.js';

test('every error code is documented in docs/protocol.md', () => {
  const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
  for (const code of ERROR_CODES) assert.ok(doc.includes(`| \`${code}\` |`), `${code} missing from the errors table`);
});

test('a protocol error becomes the documented wire object', () => {
  assert.equal(protocolError('queue_full', 'too many', 'u1').toMessage(), { type: 'error', code: 'queue_full', message: 'too many', id: 'u1' });
  assert.equal(protocolError('malformed_json', 'bad').toMessage(), { type: 'error', code: 'malformed_json', message: 'bad' });
});

test('foreign errors with a known code keep it; anything else becomes internal without details', () => {
  const busy = Object.assign(new Error('inference pool busy'), { code: 'busy' });
  assert.is(toProtocolError(busy, 'u2').code, 'busy');
  assert.is(toProtocolError(busy, 'u2').id, 'u2');
  const internal = toProtocolError(new Error('/secret/path exploded'));
  assert.is(internal.code, 'internal');
  assert.not.match(internal.message, /secret/);
  assert.instance(toProtocolError('a string'), ProtocolError);
});

test.run();
