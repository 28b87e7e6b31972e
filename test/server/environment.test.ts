/**
 * The server's environment variables (docs/protocol.md, "Environment"): every one that the server's
 * code (src/server and the pipeline it runs, src/pipeline) reads is documented. CLI-only variables
 * (src/client) are documented with their commands.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVER_CODE = ['server', 'pipeline'].map((dir) => fileURLToPath(new URL(`../../../src/${dir}/`, import.meta.url)));
const DOC = fileURLToPath(new URL('../../../docs/protocol.md', import.meta.url));

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Names read as `process.env.X`, `process.env['X']`, `envPositive('X')` / `envList('X')`, or held in an `..._ENV = 'X'` constant. */
function variablesRead(): Set<string> {
  const patterns = [/process\.env\.([A-Z][A-Z0-9_]*)/g, /process\.env\[['"]([A-Z][A-Z0-9_]*)['"]\]/g, /env(?:Positive|List)\('([A-Z][A-Z0-9_]*)'\)/g, /_ENV = '([A-Z][A-Z0-9_]*)'/g];
  const names = new Set<string>();
  for (const file of SERVER_CODE.flatMap(sources)) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of patterns) for (const m of text.matchAll(pattern)) names.add(m[1]);
  }
  return names;
}

test('every environment variable the server reads has a row in the Environment table', () => {
  const names = variablesRead();
  for (const known of ['PORT', 'CLONECAST_MODELS', 'CLONECAST_DATA', 'CLONECAST_VOCODER', 'CLONECAST_MAX_QUEUE_WAIT_MS']) {
    assert.ok(names.has(known), `the scan finds ${known}`);
  }
  const doc = readFileSync(DOC, 'utf8');
  const section = doc.slice(doc.indexOf('## Environment'), doc.indexOf('## Limits'));
  assert.ok(section.length > 0, 'docs/protocol.md has an Environment section before Limits');
  for (const name of names) assert.ok(section.includes(`| \`${name}\` |`), `${name} is not in the Environment table`);
});

test.run();
