/**
 * Nothing outside what the server means to serve can be named: voice ids are unguessable nanoids
 * refused before the file system is touched when malformed, and HTTP paths (raw, not normalised by
 * a client library) cannot climb out of the static directory. Real server, raw sockets.
 */
import { request } from 'node:http';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { pcmBytes, referencePcm, startTestServer, type TestServer } from '../server/serverFixtures.js';
import { TestClient } from '../server/wsTestClient.js';

interface Ctx {
  ts: TestServer;
  client: TestClient;
}
const paths = suite<Ctx>('paths', { ts: undefined as never, client: undefined as never });

paths.before(async (ctx) => {
  ctx.ts = await startTestServer();
  ctx.client = await TestClient.connect(ctx.ts.server.port);
  ctx.client.json({ type: 'start', audio: { sampleRate: 16000 } });
  await ctx.client.next('started');
  ctx.client.binary(pcmBytes(referencePcm().pcm, 0, 16000 * 3));
  await ctx.client.next('embedding');
});
paths.after(async (ctx) => {
  ctx.client.close();
  await ctx.ts.stop();
});

paths('voice ids are 21-character nanoids, all distinct', async (ctx) => {
  const ids = new Set<string>();
  for (let i = 0; i < 40; i++) {
    ctx.client.json({ type: 'voice.save' });
    const id = (await ctx.client.next('voice.saved')).voice as string;
    assert.match(id, /^[A-Za-z0-9_-]{21}$/);
    ids.add(id);
  }
  assert.is(ids.size, 40);
});

paths('path-like voice ids are unknown_voice, even when a file at that path exists', async (ctx) => {
  // A well-formed voice file planted outside voices/: reachable only through traversal.
  const planted = { format: 'clonecast-voice/1', id: 'x', name: null, createdAt: '', encoder: null, windows: 1, speechSeconds: 1, embedding: [1] };
  await mkdir(join(ctx.ts.dataDir, 'outside'), { recursive: true });
  await writeFile(join(ctx.ts.dataDir, 'outside', 'planted.json'), JSON.stringify(planted));
  const attempts = [
    '../outside/planted',
    '..%2Foutside%2Fplanted',
    '../../../../etc/passwd',
    '/etc/passwd',
    'AAAAAAAAAAAAAAAAAAAA/', // 21 characters, one a slash
    '....................a',
    'AAAAAAAAAAAAAAAAAAAA\u0000',
    'AAAAAAAAAAAAAAAAAAAAAA', // 22
    '',
  ];
  for (const voice of attempts) {
    const c = await TestClient.connect(ctx.ts.server.port);
    c.json({ type: 'start', voice });
    const err = await c.nextError();
    assert.is(err.code, 'unknown_voice', `voice ${JSON.stringify(voice)}`);
    c.close();
  }
});

/** GET with the path sent byte for byte (fetch and URL would normalise the dots away). */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

paths('traversal attempts on HTTP paths never serve a file from outside the static directory', async (ctx) => {
  const attempts = [
    '/../package.json',
    '/../../package.json',
    '/static/../../../package.json',
    '/static/..%2f..%2f..%2fpackage.json',
    '/static/%2e%2e/%2e%2e/%2e%2e/package.json',
    '/static/%2e%2e%2f%2e%2e%2f%2e%2e%2fpackage.json',
    '/static/..\\..\\..\\package.json',
    '/static/....//....//package.json',
    '/static//etc/passwd',
    '//etc/passwd',
    '/static/%00.js',
    '/static/.hidden.js',
    '/static/..js',
    '/static/index.html%00.js',
    '/static/../server/server.js',
    '/%2e%2e/%2e%2e/src/server/server.ts',
  ];
  for (const path of attempts) {
    const res = await rawGet(ctx.ts.server.port, path);
    assert.ok(res.status === 404 || res.status === 400, `${path}: status ${res.status}`);
    assert.not.match(res.body, /"name":\s*"clonecast"|root:|startServer/, `${path} leaked a file`);
  }
  assert.is((await rawGet(ctx.ts.server.port, '/')).status, 200, 'the page itself is served');
});

paths.run();
