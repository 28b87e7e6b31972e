/**
 * Protocol fuzzer against a live server (real socket, real models): a few hundred seeded random and
 * mutated frames, text and binary, tiny, huge and fragmented, interleaved with valid traffic, plus
 * malformed raw WebSocket frames. Checks: the process never crashes or logs a fault, every bad
 * frame is answered with a documented error code or close code, and a clean session speaking
 * beside the fuzzer gets exactly the bytes it gets alone (seeded sampler, PCM output).
 * Replay a failure with FUZZ_SEED=<seed printed in the message>.
 */
import { randomBytes } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { ERROR_CODES } from '../../src/server/errors.js';
import { httpGet, pcmBytes, referencePcm, startTestServer, type TestServer } from '../server/serverFixtures.js';
import { TestClient } from '../server/wsTestClient.js';
import { Rng, nextFuzzFrame, type FuzzContext, type FuzzFrame } from './fuzzFrames.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20260406);
const FRAMES = 300;
const RAW_CONNECTIONS = 40;
const MAX_FRAME_BYTES = 64 * 1024;
const HANG_GUARD_MS = 20_000;
const SERVER_MESSAGE_TYPES = new Set(['hello', 'started', 'embedding', 'ready', 'queued', 'done', 'voice.saved', 'error']);
/** Close codes docs/protocol.md lists for client faults (1002/1007/1009 come from `ws`). */
const DOCUMENTED_CLOSE_CODES = new Set([1000, 1001, 1002, 1007, 1009, 4000, 4001]);
const CLEAN_TEXT = 'The quick brown fox jumps over the lazy dog. Then it sleeps.';

interface Ctx {
  ts: TestServer;
  voice: string;
  faults: string[];
}
const fuzz = suite<Ctx>('protocol fuzz', { ts: undefined as never, voice: '', faults: [] });

fuzz.before(async (ctx) => {
  try {
    await setUp(ctx);
  } catch (err) {
    console.error('protocol fuzz: setup failed', err); // uvu does not report hook failures itself
    throw err;
  }
});

async function setUp(ctx: Ctx): Promise<void> {
  ctx.faults = [];
  ctx.ts = await startTestServer({
    workers: 2,
    limits: { maxFrameBytes: MAX_FRAME_BYTES, maxQueuedUtterances: 3 },
    log: (message, err) => ctx.faults.push(`${message}: ${String(err)}`),
  });
  const c = await TestClient.connect(ctx.ts.server.port);
  const { pcm } = referencePcm();
  c.json({ type: 'start', audio: { sampleRate: 16000 } });
  await c.next('started');
  for (let at = 0; at < 16000 * 4; at += 16000) c.binary(pcmBytes(pcm, at, at + 16000)); // frames under maxFrameBytes
  c.json({ type: 'enroll.end' });
  await c.next('ready');
  c.json({ type: 'voice.save' });
  ctx.voice = (await c.next('voice.saved')).voice;
  c.close();
}

fuzz.after(async (ctx) => {
  await ctx.ts.stop();
});

/** A clean session: saved voice, seeded sampler, 16 kHz PCM; returns the audio payload bytes. */
async function cleanUtterance(port: number, voice: string): Promise<Buffer> {
  const c = await TestClient.connect(port);
  c.json({ type: 'start', voice, output: { format: 'pcm', sampleRate: 16000 } });
  await c.next('started');
  c.json({ type: 'speak', id: 'clean', text: CLEAN_TEXT, seed: 1234 });
  const done = await c.next('done');
  assert.is(done.outcome, 'completed');
  const frames = c.frames(0);
  assert.ok(frames.length > 0 && frames[frames.length - 1].last);
  c.close();
  return Buffer.concat(frames.map((f) => Buffer.from(f.payload)));
}

/** One fuzzing connection: raw `ws` socket, every server message recorded in order. */
class FuzzConnection {
  readonly json: Record<string, any>[] = [];
  closeCode: number | null = null;
  private wake: (() => void) | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.json.push(JSON.parse((data as Buffer).toString('utf8')));
      this.poke();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.poke();
    });
    ws.on('error', () => {}); // writes racing the server's close (EPIPE) are expected here
  }

  static async open(port: number): Promise<FuzzConnection> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/stream`);
    const conn = new FuzzConnection(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return conn;
  }

  send(frame: FuzzFrame): void {
    frame.fragments.forEach((bytes, i) => {
      this.ws.send(bytes, { binary: frame.binary, fin: i === frame.fragments.length - 1 });
    });
  }

  /** Resolves when `predicate` holds or the socket has closed. */
  async until(predicate: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + HANG_GUARD_MS;
    while (!predicate() && this.closeCode === null) {
      if (Date.now() > deadline) throw new Error(`hang guard: ${what}`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 200).unref();
      });
    }
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

/**
 * Sends `count` fuzz frames, each followed by a probe (`cancel` of an id nobody uses, always
 * answered with an error carrying that id): in-order handling makes the messages before the probe's
 * answer the fuzz frame's replies. Returns a summary per category.
 */
async function runFuzzer(port: number, fctx: FuzzContext, count: number): Promise<Map<string, number>> {
  const rng = new Rng(SEED);
  const seen = new Map<string, number>();
  let conn = await FuzzConnection.open(port);
  for (let n = 0; n < count; n += 1) {
    const frame = nextFuzzFrame(rng, fctx);
    seen.set(frame.category, (seen.get(frame.category) ?? 0) + 1);
    const where = `frame ${n} (${frame.category}, seed ${SEED})`;
    const from = conn.json.length;
    const probe = `probe-${n}`;
    conn.send(frame);
    conn.ws.send(JSON.stringify({ type: 'cancel', id: probe }));
    const answered = () => conn.json.slice(from).some((m) => m.type === 'error' && m.id === probe);
    await conn.until(answered, `${where}: no answer to the probe`);
    const replies = conn.json.slice(from).filter((m) => m.id !== probe);
    for (const m of replies) {
      assert.ok(SERVER_MESSAGE_TYPES.has(m.type), `${where}: undocumented message ${JSON.stringify(m)}`);
      if (m.type === 'error') {
        assert.ok((ERROR_CODES as readonly string[]).includes(m.code), `${where}: undocumented code ${m.code}`);
        assert.is.not(m.code, 'internal', `${where}: internal fault: ${m.message}`);
      }
    }
    if (frame.verdict.kind === 'close') {
      await conn.until(() => false, `${where}: expected a close`);
      assert.ok(frame.verdict.codes.includes(conn.closeCode!), `${where}: closed ${conn.closeCode}, expected ${frame.verdict.codes}`);
    } else {
      assert.is(conn.closeCode, null, `${where}: unexpected close ${conn.closeCode}`);
      if (frame.verdict.kind === 'error') assert.ok(replies.some((m) => m.type === 'error'), `${where}: a bad frame got no error`);
    }
    if (conn.closeCode !== null) conn = await FuzzConnection.open(port);
  }
  conn.ws.close();
  return seen;
}

fuzz('fuzzed frames get coded errors or documented closes; a clean session beside them is byte-identical', async (ctx) => {
  const port = ctx.ts.server.port;
  const alone = await cleanUtterance(port, ctx.voice);
  const fctx: FuzzContext = { voice: ctx.voice, speech: pcmBytes(referencePcm().pcm), maxFrameBytes: MAX_FRAME_BYTES };
  const [seen, beside] = await Promise.all([runFuzzer(port, fctx, FRAMES), cleanUtterance(port, ctx.voice)]);
  assert.ok(beside.equals(alone), `clean session audio changed under fuzzing (${beside.length} vs ${alone.length} bytes)`);
  // Every generator category was exercised (a weighting bug would silently skip one).
  for (const category of ['valid', 'valid-audio', 'wrong-type', 'byte-mutated', 'random-text', 'odd-binary', 'fragmented-valid', 'huge', 'invalid-utf8']) {
    assert.ok((seen.get(category) ?? 0) > 0, `category ${category} never generated`);
  }
  assert.equal(ctx.faults, []);
  assert.is((await httpGet(port, '/healthz')).status, 200);
});

/** Frames the server sent on a raw socket after the handshake: opcode and, for close, its code. */
function serverFrames(bytes: Buffer): { opcode: number; closeCode: number | null }[] {
  const frames: { opcode: number; closeCode: number | null }[] = [];
  let at = 0;
  while (at + 2 <= bytes.length) {
    const opcode = bytes[at] & 0x0f;
    let len = bytes[at + 1] & 0x7f;
    let head = 2;
    if (len === 126) {
      len = bytes.readUInt16BE(at + 2);
      head = 4;
    } else if (len === 127) {
      len = Number(bytes.readBigUInt64BE(at + 2));
      head = 10;
    }
    const payload = bytes.subarray(at + head, at + head + len);
    frames.push({ opcode, closeCode: opcode === 8 && payload.length >= 2 ? payload.readUInt16BE(0) : null });
    at += head + len;
  }
  return frames;
}

/** Handshakes by hand, writes one malformed frame, half-closes; resolves with what the server sent. */
function rawGarbage(port: number, garbage: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let upgraded = false;
    const timer = setTimeout(() => reject(new Error('hang guard: the server kept a malformed connection open')), HANG_GUARD_MS);
    socket.on('data', (data: Buffer) => {
      chunks.push(data);
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      if (!upgraded && end >= 0) {
        upgraded = true;
        assert.match(all.subarray(0, end).toString('latin1'), /^HTTP\/1\.1 101/);
        chunks.length = 0;
        chunks.push(all.subarray(end + 4));
        socket.end(garbage);
      }
    });
    socket.on('error', () => {}); // a reset after the server's close is fine
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    socket.write(
      `GET /v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
}

fuzz('malformed WebSocket frames close only their own connection, with a documented code', async (ctx) => {
  const rng = new Rng(SEED + 1);
  for (let n = 0; n < RAW_CONNECTIONS; n += 1) {
    const garbage = Buffer.from(rng.bytes(rng.int(2, 40)));
    if ((garbage[0] & 0x0f) === 8) garbage[0] = (garbage[0] & 0xf0) | 0x3; // a real close frame would be echoed with its own code
    const sent = serverFrames(await rawGarbage(ctx.ts.server.port, garbage));
    for (const f of sent) {
      if (f.closeCode !== null) assert.ok(DOCUMENTED_CLOSE_CODES.has(f.closeCode), `garbage ${garbage.toString('hex')}: close ${f.closeCode}`);
    }
  }
  assert.equal(ctx.faults, []);
  const alone = await cleanUtterance(ctx.ts.server.port, ctx.voice);
  assert.ok(alone.length > 0);
  assert.is((await httpGet(ctx.ts.server.port, '/healthz')).status, 200);
});

fuzz.run();
