/**
 * Access control on a live server: token auth (Bearer header or subprotocol entry), origin
 * allowlist, per-IP connection and message-rate limits, and the token never reaching logs or
 * clients. Real sockets, real server.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../server/serverFixtures.js';

const TOKEN = 'tok_3f9a1c77e2d84b0c9e51';
const OTHER_TOKEN = 'second-token-0123456789';

/** How an upgrade attempt ends: 'open:<selected subprotocol>' or the HTTP status of the refusal. */
function attempt(port: number, protocols: string[] = [], options: WebSocket.ClientOptions = {}): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/stream`, protocols, options);
    ws.on('open', () => {
      resolve(`open:${ws.protocol}`);
      ws.close();
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(String(res.statusCode));
      res.resume();
      ws.terminate();
    });
    ws.on('error', (err) => resolve(`error:${err.message}`));
  });
}

interface Ctx {
  ts: TestServer;
  logged: string[];
}
const auth = suite<Ctx>('token auth', { ts: undefined as never, logged: [] });

auth.before(async (ctx) => {
  ctx.logged = [];
  ctx.ts = await startTestServer({ authTokens: [TOKEN, OTHER_TOKEN], log: (m, e) => ctx.logged.push(`${m} ${String(e)}`) });
});
auth.after(async (ctx) => {
  await ctx.ts.stop();
});

auth('a Bearer header with a configured token opens a session; each token works', async (ctx) => {
  const port = ctx.ts.server.port;
  assert.is(await attempt(port, [], { headers: { Authorization: `Bearer ${TOKEN}` } }), 'open:');
  assert.is(await attempt(port, [], { headers: { Authorization: `bearer ${OTHER_TOKEN}` } }), 'open:');
});

auth('no token, a wrong token, a prefix of the token, or a token in the query string: 401', async (ctx) => {
  const port = ctx.ts.server.port;
  assert.is(await attempt(port), '401');
  assert.is(await attempt(port, [], { headers: { Authorization: `Bearer ${TOKEN}x` } }), '401');
  assert.is(await attempt(port, [], { headers: { Authorization: `Bearer ${TOKEN.slice(0, -1)}` } }), '401');
  assert.is(await attempt(port, [], { headers: { Authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` } }), '401');
  const viaQuery = await new Promise<string>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/stream?token=${TOKEN}`);
    ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
    ws.on('open', () => resolve('open'));
  });
  assert.is(viaQuery, '401');
});

auth('the browser form: clonecast.token.<t> next to clonecast.v1; the server selects clonecast.v1', async (ctx) => {
  const port = ctx.ts.server.port;
  assert.is(await attempt(port, ['clonecast.v1', `clonecast.token.${TOKEN}`]), 'open:clonecast.v1');
  assert.is(await attempt(port, ['clonecast.v1', 'clonecast.token.not-the-token-at-all']), '401');
});

auth('the token appears in no log line and in nothing sent to a client', async (ctx) => {
  const port = ctx.ts.server.port;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/stream`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  const received: string[] = [];
  ws.on('message', (d) => received.push(String(d)));
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send('{"type":"start","voice":"nope"}');
  ws.send('not json');
  await new Promise<void>((resolve) => {
    const check = () => (received.length >= 3 ? resolve() : setTimeout(check, 20));
    check();
  });
  ws.close();
  const everything = [...received, ...ctx.logged].join('\n');
  assert.ok(received.some((m) => m.includes('"hello"')));
  assert.not.ok(everything.includes(TOKEN));
  assert.not.ok(everything.includes(TOKEN.slice(4, 16)));
});

auth('a misconfigured token (too short, odd characters) fails at start', async () => {
  for (const bad of ['short', 'has space in it 0123456']) {
    const outcome = await startTestServer({ authTokens: [bad] }).then(
      async (ts) => {
        await ts.stop();
        return 'started';
      },
      (err: Error) => err.message,
    );
    assert.match(outcome, /16\.\.256/);
  }
});

auth.run();

const origins = suite<{ ts: TestServer }>('origin allowlist', { ts: undefined as never });
origins.before(async (ctx) => {
  ctx.ts = await startTestServer({ allowedOrigins: ['https://app.example'] });
});
origins.after(async (ctx) => {
  await ctx.ts.stop();
});

origins('a listed origin and a request without Origin open; any other origin gets 403', async (ctx) => {
  const port = ctx.ts.server.port;
  assert.is(await attempt(port, [], { origin: 'https://app.example' }), 'open:');
  assert.is(await attempt(port), 'open:');
  assert.is(await attempt(port, [], { origin: 'https://evil.example' }), '403');
  assert.is(await attempt(port, [], { origin: 'https://app.example.evil.example' }), '403');
  assert.is(await attempt(port, [], { origin: 'null' }), '403');
});

origins.run();

const perIp = suite<{ ts: TestServer }>('per-IP limits', { ts: undefined as never });
perIp.before(async (ctx) => {
  ctx.ts = await startTestServer({ limits: { maxConnectionsPerIp: 3, maxMessagesPerSecond: 20 } });
});
perIp.after(async (ctx) => {
  await ctx.ts.stop();
});

async function openSocket(port: number): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/stream`);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return ws;
}

perIp('connections past maxConnectionsPerIp get 429; closing one makes room', async (ctx) => {
  const port = ctx.ts.server.port;
  const held = [await openSocket(port), await openSocket(port), await openSocket(port)];
  assert.is(await attempt(port), '429');
  held[0].close();
  await new Promise((resolve) => held[0].once('close', resolve));
  let again = await attempt(port);
  for (let i = 0; i < 50 && again === '429'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20)); // the server sees the close a moment later
    again = await attempt(port);
  }
  assert.is(again, 'open:');
  for (const ws of held) ws.close();
  await Promise.all(held.map((ws) => (ws.readyState === ws.CLOSED ? null : new Promise((r) => ws.once('close', r)))));
});

perIp('a flood past maxMessagesPerSecond is dropped with one rate_limited error; the session recovers', async (ctx) => {
  const ws = await openSocket(ctx.ts.server.port);
  const errors: { code: string; id?: string }[] = [];
  ws.on('message', (d, binary) => {
    if (binary) return;
    const m = JSON.parse(String(d));
    if (m.type === 'error') errors.push(m);
  });
  const FLOOD = 200;
  for (let i = 0; i < FLOOD; i++) ws.send(JSON.stringify({ type: 'cancel', id: `c${i}` }));
  const waitFor = async (pred: () => boolean) => {
    for (let i = 0; i < 500 && !pred(); i++) await new Promise((r) => setTimeout(r, 20));
  };
  await waitFor(() => errors.some((e) => e.id === `c${FLOOD - 1}`) || errors.filter((e) => e.code === 'rate_limited').length > 0 && errors.length > 40);
  const answered = errors.filter((e) => e.code === 'not_started').length;
  const limited = errors.filter((e) => e.code === 'rate_limited').length;
  assert.ok(limited >= 1, 'the flood is told it is rate limited');
  assert.ok(limited <= 2, `rate_limited errors are themselves limited (got ${limited})`);
  assert.ok(answered < FLOOD, `the flood was not all handled (${answered} of ${FLOOD})`);
  // After a pause the bucket refills and messages are handled again.
  await new Promise((r) => setTimeout(r, 1100));
  ws.send(JSON.stringify({ type: 'cancel', id: 'after' }));
  await waitFor(() => errors.some((e) => e.id === 'after'));
  assert.is(errors.find((e) => e.id === 'after')?.code, 'not_started');
  ws.close();
});

perIp.run();
