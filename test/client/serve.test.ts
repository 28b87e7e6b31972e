/**
 * `clonecast serve` configuration (src/client/serveOptions.ts, docs/operations.md): a real
 * `clonecast serve` child with a token from the environment and an origin list from a flag answers
 * 401 / 403 / accepts; flags win over variables; limits reach `hello`; bad values are usage errors
 * (exit 2) that never repeat a token.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { resolveServeOptions, ServeUsageError } from '../../src/client/serveOptions.js';
import { spawnServer } from '../faults/serverProcess.js';
import { TestClient } from '../server/wsTestClient.js';

const CLI = fileURLToPath(new URL('../../src/client/cli.js', import.meta.url));
const run = promisify(execFile);
const TOKEN = 'tok.ABCdef-0123456789_xyz';
const FILE_TOKEN = 'file-token-0123456789abcdef';

/** The environment without the caller's CLONECAST_ settings (but its models directory), plus `extra`. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => (!k.startsWith('CLONECAST_') || k === 'CLONECAST_MODELS') && k !== 'PORT'));
  return { ...env, ...extra };
}

/** HTTP status of a WebSocket upgrade to /v1/stream (101 when it opened). */
function upgradeStatus(port: number, options: WebSocket.ClientOptions, protocols?: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/stream`, protocols, options);
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
}

test('serve: token from CLONECAST_AUTH_TOKENS, origins from --allowed-origins over the variable: 401, 403, accepted; limits from flags and variables reach hello; the token is never printed; SIGTERM exits 0', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'clonecast-serve-'));
  const env = cleanEnv({
    CLONECAST_AUTH_TOKENS: TOKEN,
    CLONECAST_ALLOWED_ORIGINS: 'https://env.example',
    CLONECAST_MAX_MESSAGES_PER_SECOND: '77',
    CLONECAST_IDLE_TIMEOUT_MS: '9999',
  });
  const flags = ['--vocoder', 'griffin-lim', '--allowed-origins', 'https://app.example,http://localhost:3000', '--idle-timeout-ms', '4321', '--max-connections-per-ip', '5', '--shutdown-grace-ms', '0'];
  const server = await spawnServer(dataDir, flags, env);
  try {
    const bearer = { Authorization: `Bearer ${TOKEN}` };
    assert.is(await upgradeStatus(server.port, {}), 401, 'no token');
    assert.is(await upgradeStatus(server.port, { headers: { Authorization: 'Bearer not-the-token-0123456789' } }), 401, 'wrong token');
    assert.is(await upgradeStatus(server.port, { headers: { ...bearer, Origin: 'https://env.example' } }), 403, 'the flag replaced the variable\'s origin list');
    assert.is(await upgradeStatus(server.port, { headers: { ...bearer, Origin: 'https://evil.example' } }), 403);
    assert.is(await upgradeStatus(server.port, { headers: { Origin: 'https://app.example' } }), 401, 'a listed origin still needs the token');
    assert.is(await upgradeStatus(server.port, {}, ['clonecast.v1', `clonecast.token.${TOKEN}`]), 101, 'token as a subprotocol, no Origin');

    const c = await TestClient.connect(server.port, { headers: { ...bearer, Origin: 'http://localhost:3000' } });
    const hello = c.all('hello')[0];
    assert.is(hello.limits.idleTimeoutMs, 4321, 'flag over CLONECAST_IDLE_TIMEOUT_MS');
    assert.is(hello.limits.maxConnectionsPerIp, 5);
    assert.is(hello.limits.maxMessagesPerSecond, 77, 'from CLONECAST_MAX_MESSAGES_PER_SECOND');
    c.close();
    await c.closed;

    assert.match(server.output(), /clonecast access: token required \(1 configured\); origins: https:\/\/app\.example, http:\/\/localhost:3000/);
    assert.not.ok(server.output().includes(TOKEN), 'the token is not in the output');
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, { code: 0, signal: null });
  } finally {
    server.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a tokens file (one per line, # comments) wins over CLONECAST_AUTH_TOKENS; the file variable and the inline variable together are refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clonecast-tokens-'));
  try {
    const file = join(dir, 'tokens');
    writeFileSync(file, `# service tokens\n${FILE_TOKEN}\n\n${TOKEN}  # the second one\n`);
    const options = resolveServeOptions(['--auth-tokens-file', file], { CLONECAST_AUTH_TOKENS: 'inline-token-0123456789' });
    assert.equal(options.authTokens, [FILE_TOKEN, TOKEN]);
    assert.equal(resolveServeOptions([], { CLONECAST_AUTH_TOKENS_FILE: file }).authTokens, [FILE_TOKEN, TOKEN]);
    assert.equal(resolveServeOptions([], { CLONECAST_AUTH_TOKENS: `${TOKEN}, ${FILE_TOKEN}` }).authTokens, [TOKEN, FILE_TOKEN]);
    assert.throws(() => resolveServeOptions([], { CLONECAST_AUTH_TOKENS_FILE: file, CLONECAST_AUTH_TOKENS: TOKEN }), (e: Error) => e instanceof ServeUsageError && /not both/.test(e.message));
    assert.throws(() => resolveServeOptions(['--auth-tokens-file', join(dir, 'missing')], {}), (e: Error) => /cannot read the tokens file .*missing: ENOENT/.test(e.message));
    const defaults = resolveServeOptions([], {});
    assert.equal(defaults.authTokens, undefined);
    assert.equal(defaults.allowedOrigins, undefined);
    assert.equal(defaults.limits, {});
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad serve values are usage errors (exit 2) naming every bad flag or variable, and never repeat a token', async () => {
  const secret = 'this is a secret token!';
  const bad = await run(process.execPath, [CLI, 'serve', '--max-sessions', '0', '--idle-timeout-ms', 'soon', '--allowed-origins', 'https://a.example/path', '--vocoder', 'loud'], {
    env: cleanEnv({ CLONECAST_AUTH_TOKENS: secret, CLONECAST_MAX_REFERENCE_SECONDS: '-1' }),
  }).then(() => null, (err) => err);
  assert.is(bad.code, 2);
  for (const what of ['--max-sessions must be an integer >= 1, got "0"', '--idle-timeout-ms must be an integer >= 1, got "soon"', '"https://a.example/path" is not an origin', '--vocoder must be "wavernn" or "griffin-lim"', 'CLONECAST_MAX_REFERENCE_SECONDS must be a number > 0', 'token 1 of CLONECAST_AUTH_TOKENS is not 16..256 characters']) {
    assert.ok(bad.stderr.includes(what), `stderr names: ${what}\n${bad.stderr}`);
  }
  assert.not.ok(bad.stderr.includes(secret), 'the token is not repeated');

  const flag = await run(process.execPath, [CLI, 'serve', `--auth-token=${TOKEN}`], { env: cleanEnv() }).then(() => null, (err) => err);
  assert.is(flag.code, 2);
  assert.match(flag.stderr, /tokens are secrets: set CLONECAST_AUTH_TOKENS or use --auth-tokens-file FILE/);
  assert.not.ok(flag.stderr.includes(TOKEN));
});

test.run();
