// The clonecast toolbox: enroll a voice (microphone or file), save and pick voices, speak and hear
// the audio as it streams. Talks protocol v1 (docs/protocol.md) over the page's own server.
import { openSession } from './session.js';
import { drawVoiceMap, pca2 } from './pca.js';
import { drawMelSpectrogram } from './spectrogram.js';

const $ = (id) => document.getElementById(id);
const VOICES_KEY = 'clonecast.voices';
const OUTPUT_RATE = 48000;
/** Playout starts once this much audio is queued (absorbs gaps between the server's frames). */
const JITTER_MS = 60;
/** Longest output kept for the spectrogram picture, seconds. */
const PICTURE_SECONDS = 20;

/** Counters shown on the page; the browser test reads them too. */
const stats = {
  captureFrames: 0, levelPeak: 0, // microphone
  framesReceived: 0, framesDecoded: 0, framesDropped: 0, samplesToWorklet: 0, // output
  worklet: null, workletReports: 0, utterances: [],
};
window.clonecastToolbox = { stats };

let session = null; // the open protocol session (openSession)
let state = 'closed'; // the server's session state: awaitingStart | enrolling | ready | closed
let hasVoice = false; // an embedding exists: speak and voice.save are allowed
let embedding = null; // the voice's L2-normalised embedding vector, as the server last sent it
let voiceId = null; // the session's voice id once saved or loaded (to resume it after an idle close)
let capture = null; // microphone: { context, stream }
let reference = []; // Int16Array chunks of the reference, for its picture
let output = null; // playout: { context, node, decoder }
let current = null; // the utterance playing: { id, utterance, sentAt, firstAt, samples, cancelled, done }
let nextId = 1;
const useOpus = await opusDecodable();
stats.output = useOpus ? 'opus' : 'pcm'; // what this page asks the server for

// ---------------------------------------------------------------- connection

/** Each connection's handlers act only while it is the newest one (older sockets may still close). */
let generation = 0;

async function connect() {
  const mine = ++generation;
  const live = (handler) => (value) => mine === generation && handler(value);
  showConnection('connecting', 'connecting…');
  if (current && !current.done && !current.cancelled) {
    current.cancelled = true; // its session is going away: stop hearing it
    output.node.port.postMessage({ type: 'flush' });
  }
  session = null;
  state = 'closed';
  hasVoice = false;
  refresh();
  let opened;
  try {
    opened = await openSession({ message: live(onMessage), frame: live(onFrame), close: live(onClose) });
  } catch {
    return; // onClose showed why
  }
  if (mine !== generation) return opened.close();
  session = opened;
  state = 'awaitingStart';
  showConnection('connected', `connected · session ${opened.hello.session}`);
  refresh();
}

/** A session that can still `start`: enrolling again or loading a voice needs a new connection. */
async function freshSession() {
  if (state === 'awaitingStart' && session?.open) return;
  stopCapture();
  session?.close();
  await connect();
  if (state !== 'awaitingStart') throw new Error('not connected');
}

function outputFormat() {
  return useOpus ? { format: 'opus', channels: 1 } : { format: 'pcm', sampleRate: OUTPUT_RATE, channels: 1 };
}

/** Close code the server uses after `idleTimeoutMs` without a client message (docs/protocol.md). */
const IDLE_CLOSE = 4000;

function onClose(code) {
  state = 'closed';
  hasVoice = false;
  stopCapture();
  showConnection('closed', `disconnected (${code})`);
  refresh();
  // An idle page should not stay dead: reconnect, and reload the voice if it was saved.
  if (code === IDLE_CLOSE) {
    const voice = voiceId;
    connect().then(() => {
      if (state !== 'awaitingStart') return;
      if (voice) session.send({ type: 'start', voice, output: outputFormat() });
      say(voice ? 'the idle session was closed; reconnected with the same voice' : 'the idle session was closed; reconnected (save a voice to keep it)');
    });
  }
}

function onMessage(m) {
  switch (m.type) {
    case 'started':
      state = m.state;
      voiceId = m.voice;
      hasVoice = m.state === 'ready';
      if (Array.isArray(m.embedding)) {
        embedding = m.embedding;
        attachVector(m.voice, m.embedding); // a voice saved by an older page may lack it
      }
      say(m.voice ? `using voice ${m.voice}` : 'enrolling: speak or stream the reference');
      break;
    case 'embedding':
      hasVoice = true;
      if (Array.isArray(m.embedding)) embedding = m.embedding;
      $('windows').textContent = m.windows;
      $('speech').textContent = m.speechSeconds.toFixed(1);
      $('stability').textContent = m.movedCosine === null ? '–' : m.movedCosine.toFixed(3);
      drawReference();
      break;
    case 'ready':
      state = 'ready';
      if (Array.isArray(m.embedding)) embedding = m.embedding;
      stopCapture();
      $('windows').textContent = m.windows;
      $('speech').textContent = m.speechSeconds.toFixed(1);
      say(`voice ready: ${m.windows} windows, ${m.speechSeconds.toFixed(1)} s of speech`);
      drawReference();
      break;
    case 'voice.saved':
      voiceId = m.voice;
      rememberVoice(m.voice, m.name, Array.isArray(m.embedding) ? m.embedding : embedding);
      say(`saved voice ${m.name ?? ''} (${m.voice})`);
      break;
    case 'queued':
      if (current?.id === m.id) current.utterance = m.utterance;
      break;
    case 'done':
      if (current?.id === m.id) finishUtterance(m);
      break;
    case 'error':
      say(`error ${m.code}: ${m.message}`);
      // A refused speak (never queued) gets no `done`: the page stops waiting for it.
      if (current && m.id === current.id && current.utterance === null) current.done = { outcome: 'refused', code: m.code };
      break;
  }
  refresh();
}

// ---------------------------------------------------------------- enrollment

async function recordMicrophone() {
  await freshSession();
  embedding = null;
  const context = new AudioContext({ sampleRate: 16000 });
  await context.audioWorklet.addModule('/static/capture-worklet.js');
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
  });
  const node = new AudioWorkletNode(context, 'clonecast-capture');
  const mute = context.createGain();
  mute.gain.value = 0;
  context.createMediaStreamSource(stream).connect(node).connect(mute).connect(context.destination);
  capture = { context, stream };
  reference = [];
  session.send({ type: 'start', audio: { sampleRate: 16000 }, output: outputFormat() });
  node.port.onmessage = ({ data }) => {
    if (!capture) return;
    const pcm = new Int16Array(data.pcm);
    session.sendPcm(pcm);
    reference.push(pcm);
    const level = Math.max(0, Math.min(1, (20 * Math.log10(data.rms + 1e-9) + 60) / 60)); // -60..0 dBFS
    $('level').value = level;
    stats.captureFrames++;
    stats.levelPeak = Math.max(stats.levelPeak, level);
  };
  refresh();
}

function stopCapture() {
  if (!capture) return;
  capture.stream.getTracks().forEach((t) => t.stop());
  void capture.context.close();
  capture = null;
  $('level').value = 0;
  refresh();
}

function endEnrollment() {
  stopCapture();
  session.send({ type: 'enroll.end' });
}

/** Enrolls from an audio file: decoded and resampled to 16 kHz mono in the browser, then streamed. */
async function enrollFile(file) {
  let audio;
  try {
    audio = await new OfflineAudioContext(1, 1, 16000).decodeAudioData(await file.arrayBuffer());
  } catch {
    say(`cannot decode ${file.name} as audio`);
    return;
  }
  await freshSession();
  embedding = null;
  const mono = new Float32Array(audio.length);
  for (let c = 0; c < audio.numberOfChannels; c++) audio.getChannelData(c).forEach((x, i) => (mono[i] += x / audio.numberOfChannels));
  const limit = Math.min(mono.length, 16000 * session.hello.limits.maxReferenceSeconds);
  const pcm = Int16Array.from(mono.subarray(0, limit), (x) => Math.max(-32768, Math.min(32767, Math.round(x * 32767))));
  reference = [pcm];
  session.send({ type: 'start', audio: { sampleRate: 16000 }, output: outputFormat() });
  for (let at = 0; at < pcm.length; at += 3200) session.sendPcm(pcm.slice(at, at + 3200));
  session.send({ type: 'enroll.end' });
  say(`streamed ${(pcm.length / 16000).toFixed(1)} s of ${file.name}`);
}

function drawReference() {
  const total = reference.reduce((n, c) => n + c.length, 0);
  const samples = new Float32Array(total);
  let at = 0;
  for (const chunk of reference) for (const x of chunk) samples[at++] = x / 32768;
  drawMelSpectrogram($('reference-mel'), samples, 16000);
}

// ---------------------------------------------------------------- voices (kept in this browser)

function savedVoices() {
  try {
    return JSON.parse(localStorage.getItem(VOICES_KEY) ?? '[]');
  } catch {
    return [];
  }
}

function rememberVoice(id, name, vector) {
  const voices = savedVoices().filter((v) => v.id !== id);
  voices.push({ id, name: name ?? id, savedAt: new Date().toISOString(), ...(vector ? { embedding: vector } : {}) });
  localStorage.setItem(VOICES_KEY, JSON.stringify(voices));
  listVoices(id);
}

/** Stores the server's vector with a saved voice of this browser (no-op for voices not listed). */
function attachVector(id, vector) {
  const voices = savedVoices();
  const voice = voices.find((v) => v.id === id);
  if (!voice) return;
  voice.embedding = vector;
  localStorage.setItem(VOICES_KEY, JSON.stringify(voices));
  drawMap();
}

function listVoices(selected) {
  const list = $('voice-list');
  list.replaceChildren(...savedVoices().map((v) => new Option(v.name, v.id, false, v.id === selected)));
  drawMap();
}

/** PCA map of the saved voices that have an embedding vector. */
function drawMap() {
  const withVectors = savedVoices().filter((v) => Array.isArray(v.embedding));
  const mapped = withVectors.filter((v) => v.embedding.length === withVectors[0].embedding.length);
  drawVoiceMap($('voice-map'), pca2(mapped.map((v) => v.embedding)), mapped.map((v) => v.name));
  $('map-note').textContent = mapped.length
    ? `${mapped.length} voices on the map: nearby points are similar voices.`
    : 'No map yet: save voices to see them here (each saved voice keeps its embedding vector).';
}

async function useVoice(id) {
  await freshSession();
  embedding = savedVoices().find((v) => v.id === id)?.embedding ?? null;
  session.send({ type: 'start', voice: id, output: outputFormat() });
}

// ---------------------------------------------------------------- speaking and playout

async function opusDecodable() {
  if (typeof AudioDecoder !== 'function') return false;
  const support = await AudioDecoder.isConfigSupported({ codec: 'opus', sampleRate: OUTPUT_RATE, numberOfChannels: 1 }).catch(() => null);
  return Boolean(support?.supported);
}

async function ensureOutput() {
  if (output) return output;
  const context = new AudioContext({ sampleRate: OUTPUT_RATE, latencyHint: 'interactive' });
  await context.audioWorklet.addModule('/static/playout-worklet.js');
  const node = new AudioWorkletNode(context, 'clonecast-playout', {
    numberOfInputs: 0,
    outputChannelCount: [1],
    processorOptions: { capacity: OUTPUT_RATE * 60, jitterSamples: (OUTPUT_RATE * JITTER_MS) / 1000 },
  });
  node.connect(context.destination);
  node.port.onmessage = ({ data }) => {
    stats.worklet = data;
    stats.workletReports++;
    $('playout').textContent = `playout: ${(data.played / OUTPUT_RATE).toFixed(2)} s played, ${(data.buffered / OUTPUT_RATE).toFixed(2)} s buffered, ${data.underruns} underruns, jitter buffer ${data.jitterMs.toFixed(0)} ms`;
  };
  const decoder = useOpus
    ? new AudioDecoder({ output: onDecoded, error: (e) => say(`decoder error: ${e.message}`) })
    : null;
  decoder?.configure({ codec: 'opus', sampleRate: OUTPUT_RATE, numberOfChannels: 1 });
  await context.resume();
  output = { context, node, decoder, timestamp: 0 };
  return output;
}

function onDecoded(data) {
  const samples = new Float32Array(data.numberOfFrames);
  data.copyTo(samples, { planeIndex: 0, format: 'f32-planar' });
  data.close();
  stats.framesDecoded++;
  play(samples);
}

function play(samples) {
  if (!current || current.cancelled) return;
  if (current.kept < PICTURE_SECONDS * OUTPUT_RATE) {
    current.samples.push(samples.slice());
    current.kept += samples.length;
  }
  stats.samplesToWorklet += samples.length;
  output.node.port.postMessage({ type: 'samples', samples }, [samples.buffer]);
}

async function speak() {
  const text = $('text').value.trim();
  if (!text || !hasVoice) return;
  await ensureOutput();
  if (current && !current.done) cancel();
  current = { id: `u${nextId++}`, utterance: null, sentAt: performance.now(), firstAt: null, samples: [], kept: 0, cancelled: false, done: null };
  $('figures').textContent = 'speaking…';
  session.send({ type: 'speak', id: current.id, text });
  refresh();
}

function onFrame(frame) {
  stats.framesReceived++;
  if (!current || current.cancelled || frame.utterance !== current.utterance) {
    stats.framesDropped++;
    return;
  }
  current.firstAt ??= performance.now();
  if (output.decoder) {
    output.decoder.decode(new EncodedAudioChunk({ type: 'key', timestamp: output.timestamp, duration: 20000, data: frame.payload }));
    output.timestamp += 20000;
  } else {
    const view = new DataView(frame.payload.buffer, frame.payload.byteOffset, frame.payload.byteLength);
    const samples = new Float32Array(frame.payload.byteLength / 2);
    for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true) / 32768;
    stats.framesDecoded++;
    play(samples);
  }
}

/** Barge-in: the server stops the utterance; what is queued here is dropped at once. */
function cancel() {
  if (!current || current.done || current.cancelled) return;
  current.cancelled = true;
  session.send({ type: 'cancel', id: current.id });
  output.node.port.postMessage({ type: 'flush' });
  refresh();
}

async function finishUtterance(done) {
  const utterance = current;
  utterance.done = done;
  await output.decoder?.flush().catch(() => undefined);
  if (!utterance.cancelled) output.node.port.postMessage({ type: 'end' });
  const firstMs = utterance.firstAt === null ? null : utterance.firstAt - utterance.sentAt;
  stats.utterances.push({ id: done.id, outcome: done.outcome, frames: done.frames, firstFrameMs: firstMs, ttfaMs: done.ttfaMs, rtf: done.rtf });
  $('figures').textContent =
    `${done.outcome} · first frame ${firstMs === null ? '–' : firstMs.toFixed(0)} ms here` +
    ` (server TTFA ${done.ttfaMs?.toFixed?.(0) ?? '–'} ms) · RTF ${done.rtf?.toFixed?.(2) ?? '–'} · ${done.audioSeconds.toFixed(2)} s audio`;
  const samples = new Float32Array(utterance.kept);
  let at = 0;
  for (const s of utterance.samples) (samples.set(s, at), (at += s.length));
  drawMelSpectrogram($('output-mel'), samples, OUTPUT_RATE);
  refresh();
}

// ---------------------------------------------------------------- page

function showConnection(kind, text) {
  const badge = $('connection');
  badge.dataset.state = kind;
  badge.textContent = text;
}

function say(text) {
  $('message').textContent = text;
}

function refresh() {
  const connected = state !== 'closed';
  $('record').disabled = !connected || capture !== null;
  $('stop').disabled = capture === null;
  $('save').disabled = !hasVoice;
  $('speak').disabled = !hasVoice;
  $('cancel').disabled = !current || Boolean(current.done) || current.cancelled;
  $('use').disabled = $('voice-list').options.length === 0;
}

/** Runs a click handler; failures (no microphone, server gone) are shown, never thrown. */
const action = (fn) => () => fn().catch((error) => say(error.message));

$('record').onclick = action(recordMicrophone);
$('stop').onclick = action(async () => endEnrollment());
$('file').onchange = action(async () => $('file').files[0] && enrollFile($('file').files[0]));
$('save').onclick = action(async () => session.send({ type: 'voice.save', ...($('voice-name').value.trim() ? { name: $('voice-name').value.trim() } : {}) }));
$('use').onclick = action(async () => $('voice-list').value && useVoice($('voice-list').value));
$('speak').onclick = action(speak);
$('cancel').onclick = action(async () => cancel());
document.addEventListener('dragover', (e) => e.preventDefault());
document.addEventListener('drop', (e) => {
  e.preventDefault();
  const file = e.dataTransfer?.files[0];
  if (file) action(() => enrollFile(file))();
});

listVoices();
refresh();
await connect();
