/**
 * An RTVC inference worker thread, in one of two roles (rtvcWorkerProtocol.ts): `synthesizer`
 * (speaker embeddings, mel chunks) or `vocoder` (audio from mel chunks). Each opens only its graphs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RtvcMelStream } from './rtvcMelStream.js';
import { openSynthesizerSessions, openVocoderSessions, readRtvcManifest, type RtvcManifest } from './rtvcModels.js';
import { createVocoderStream, type VocoderStream } from './rtvcUtterance.js';
import { embedUtterance } from './speakerEmbedding.js';
import type { RtvcRequest, RtvcResponse, RtvcWorkerData } from './rtvcWorkerProtocol.js';
import { utteranceRandomness } from './utteranceRandomness.js';

const port = parentPort;
if (!port) throw new Error('rtvcWorker.js must run as a worker thread');
const send = (msg: RtvcResponse, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);
const { modelsDir, role, testHooks } = workerData as RtvcWorkerData;
/** An armed test fault, met by the next mel-next / voc-push (rtvcWorkerProtocol.ts). */
let armed: 'crash' | 'exit' | 'throw' | null = null;

/** `exit` ends the thread, `crash` throws uncaught (the thread dies, the request is never answered), `throw` fails the request. */
function meetArmedFault(): 'unanswered' | void {
  const fault = armed;
  armed = null;
  if (fault === 'exit') process.exit(70); // in a worker thread this ends the thread only
  if (fault === 'crash') {
    setImmediate(() => {
      throw new Error('test: armed crash');
    });
    return 'unanswered';
  }
  if (fault === 'throw') throw new Error('test: armed throw');
}

let manifest: RtvcManifest;
let synth: ReturnType<typeof openSynthesizerSessions> | null = null;
let voc: ReturnType<typeof openVocoderSessions> | null = null;
try {
  manifest = readRtvcManifest(modelsDir);
  if (role === 'synthesizer') synth = openSynthesizerSessions(manifest);
  else voc = openVocoderSessions(manifest);
  send({ kind: 'ready' });
} catch (err) {
  send({ kind: 'load-failed', message: (err as Error).message, problems: (err as { problems?: string[] }).problems });
  port.close();
}

const mels = new Map<number, RtvcMelStream>();
const vocoders = new Map<number, VocoderStream>();

function handle(req: Exclude<RtvcRequest, { kind: 'end' | 'shutdown' }>): void {
  if (armed && (req.kind === 'mel-next' || req.kind === 'voc-push') && meetArmedFault() === 'unanswered') return;
  switch (req.kind) {
    case 'test-arm':
      if (!testHooks) throw new Error('test hooks are disabled (set CLONECAST_TEST_HOOKS=1 before the pipeline starts)');
      armed = req.fault;
      send({ kind: 'started', id: req.id });
      return;
    case 'embed': {
      const out = embedUtterance(synth!.encoder, manifest.embedder, req.wav);
      send({ kind: 'embedded', id: req.id, embedding: out.embedding, windows: out.slices.length }, [out.embedding.buffer as ArrayBuffer]);
      return;
    }
    case 'mel-start': {
      // dropout masks and sampler draws all come from the speak seed: same seed, same speech
      mels.set(req.utterance, new RtvcMelStream(synth!.tacotron, manifest, { ids: req.ids, speaker: req.speaker, keep: utteranceRandomness(req.seed, manifest.prenetDropout).keep }));
      send({ kind: 'started', id: req.id });
      return;
    }
    case 'mel-next': {
      const stream = mels.get(req.utterance);
      if (!stream) throw new Error(`unknown utterance ${req.utterance}`);
      const chunk = stream.next();
      if (chunk.final) mels.delete(req.utterance);
      send({ kind: 'mel', id: req.id, ...chunk }, [chunk.mel.buffer as ArrayBuffer]);
      return;
    }
    case 'voc-start':
      vocoders.set(req.utterance, createVocoderStream(voc!.wavernn, manifest, utteranceRandomness(req.seed, manifest.prenetDropout)));
      send({ kind: 'started', id: req.id });
      return;
    case 'voc-push': {
      const stream = vocoders.get(req.utterance);
      if (!stream) throw new Error(`unknown utterance ${req.utterance}`);
      const t = performance.now();
      const samples = stream.push(req.mel, req.final);
      if (req.final) vocoders.delete(req.utterance);
      send({ kind: 'piece', id: req.id, samples, final: req.final, vocodeSeconds: (performance.now() - t) / 1000 }, [samples.buffer as ArrayBuffer]);
      return;
    }
  }
}

port.on('message', (req: RtvcRequest) => {
  if (req.kind === 'shutdown') {
    mels.clear();
    vocoders.clear();
    synth?.release();
    voc?.release();
    port.close();
    return;
  }
  if (req.kind === 'end') {
    mels.delete(req.utterance);
    vocoders.delete(req.utterance);
    return;
  }
  try {
    handle(req);
  } catch (err) {
    send({ kind: 'failed', id: req.id, message: (err as Error).message });
  }
});
