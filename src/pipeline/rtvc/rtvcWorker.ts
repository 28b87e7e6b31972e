/**
 * The RTVC inference worker thread: opens the imported model directory's sessions once, then
 * answers embedding requests and produces utterance pieces on request (rtvcWorkerProtocol.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openRtvcSessions, readRtvcManifest, type RtvcManifest, type RtvcSessions } from './rtvcModels.js';
import { RtvcUtterance } from './rtvcUtterance.js';
import { embedUtterance } from './speakerEmbedding.js';
import { utteranceRandomness } from './utteranceRandomness.js';
import type { RtvcRequest, RtvcResponse, RtvcWorkerData } from './rtvcWorkerProtocol.js';

const port = parentPort;
if (!port) throw new Error('rtvcWorker.js must run as a worker thread');
const send = (msg: RtvcResponse, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

let manifest: RtvcManifest;
let sessions: RtvcSessions;
try {
  manifest = readRtvcManifest((workerData as RtvcWorkerData).modelsDir);
  sessions = openRtvcSessions(manifest);
  send({ kind: 'ready' });
} catch (err) {
  send({ kind: 'load-failed', message: (err as Error).message, problems: (err as { problems?: string[] }).problems });
  port.close();
}

const utterances = new Map<number, RtvcUtterance>();

port.on('message', (req: RtvcRequest) => {
  if (req.kind === 'shutdown') {
    utterances.clear();
    sessions?.release();
    port.close();
    return;
  }
  if (req.kind === 'end') {
    utterances.delete(req.utterance);
    return;
  }
  try {
    switch (req.kind) {
      case 'embed': {
        const out = embedUtterance(sessions.encoder, manifest.embedder, req.wav);
        send({ kind: 'embedded', id: req.id, embedding: out.embedding, windows: out.slices.length }, [out.embedding.buffer as ArrayBuffer]);
        return;
      }
      case 'start':
        utterances.set(req.utterance, new RtvcUtterance(sessions, manifest, {
          ids: req.ids, speaker: req.speaker, ...utteranceRandomness(req.seed, manifest.prenetDropout),
        }));
        send({ kind: 'started', id: req.id });
        return;
      case 'next': {
        const u = utterances.get(req.utterance);
        if (!u) throw new Error(`unknown utterance ${req.utterance}`);
        const piece = u.next();
        if (piece.final) utterances.delete(req.utterance);
        send({ kind: 'piece', id: req.id, ...piece }, [piece.samples.buffer as ArrayBuffer]);
        return;
      }
    }
  } catch (err) {
    send({ kind: 'failed', id: req.id, message: (err as Error).message });
  }
});
