/** Shared setup for server tests: a real server on an ephemeral port, and real reference speech. */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWav, toMono, floatToInt16 } from '../../src/pipeline/audio/wav.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/index.js';
import { TestClient } from './wsTestClient.js';

/** 5 s of LibriSpeech speaker 1363 (test/fixtures/audio/README.md) at 16 kHz or 8 kHz, as 16-bit PCM. */
export function referencePcm(rate: 16000 | 8000 = 16000): { pcm: Int16Array; sampleRate: number } {
  const file = rate === 16000 ? 'reference_16k.wav' : 'reference_8k.wav';
  const wav = readWav(new Uint8Array(readFileSync(new URL(`../../../test/fixtures/audio/${file}`, import.meta.url))));
  const mono = toMono(wav);
  return { pcm: Int16Array.from(mono, floatToInt16), sampleRate: wav.sampleRate };
}

/** Little-endian bytes of `pcm[from, to)` (copied, so sends never share a buffer). */
export function pcmBytes(pcm: Int16Array, from = 0, to = pcm.length): Uint8Array {
  return new Uint8Array(pcm.slice(from, to).buffer);
}

/** Enrolls 4 s of the reference speech on a fresh connection, saves it, closes; returns the voice id. */
export async function saveReferenceVoice(port: number): Promise<string> {
  const c = await TestClient.connect(port);
  c.json({ type: 'start', audio: { sampleRate: 16000 } });
  await c.next('started');
  c.binary(pcmBytes(referencePcm().pcm, 0, 16000 * 4));
  c.json({ type: 'enroll.end' });
  await c.next('ready');
  c.json({ type: 'voice.save' });
  const { voice } = await c.next('voice.saved');
  c.close();
  await c.closed;
  return voice;
}

export interface TestServer {
  readonly server: RunningServer;
  readonly dataDir: string;
  /** Closes the server and removes its data directory (unless `keepData`). */
  stop(keepData?: boolean): Promise<void>;
}

/** Starts a server on a free port with a fresh data dir (or `dataDir`) and waits until ready. */
export async function startTestServer(options: Omit<ServerOptions, 'port'> = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'clonecast-server-')));
  const server = await startServer({ workers: 1, ...options, port: 0, host: '127.0.0.1', dataDir });
  await server.ready;
  return {
    server,
    dataDir,
    async stop(keepData = false) {
      await server.close();
      if (!keepData) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** GET a path of the server: status and body text. */
export async function httpGet(port: number, path: string): Promise<{ status: number; body: string; type: string | null }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}
