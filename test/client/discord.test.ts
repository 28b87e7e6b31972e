/**
 * Discord adapter against a real server (real socket, real models, real Opus) and the real
 * `@discordjs/voice` AudioPlayer; only the voice connection is a recorder (no Discord network).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { AudioPlayerStatus, createAudioPlayer, NoSubscriberBehavior, type AudioPlayer } from '@discordjs/voice';
import { CloneCastClient } from '../../src/client/cloneCastClient.js';
import { CloneCastError } from '../../src/client/errors.js';
import { DISCORD_OUTPUT, speakResource, utteranceResource } from '../../src/client/discord/index.js';
import type { AudioFrame } from '../../src/server/protocol.js';
import { OpusPacketDecoder } from '../../src/pipeline/output/opusCodec.js';
import { startTestServer, type TestServer } from '../server/serverFixtures.js';

const REFERENCE = fileURLToPath(new URL('../../../test/fixtures/audio/reference_16k.wav', import.meta.url));
/** The packet @discordjs/voice plays as silence padding (an Opus DTX frame). */
const SILENCE = [0xf8, 0xff, 0xfe];

let ts: TestServer;
let url: string;
let voice: string;

test.before(async () => {
  ts = await startTestServer();
  url = `ws://127.0.0.1:${ts.server.port}`;
  const client = await CloneCastClient.connect(url, { output: DISCORD_OUTPUT });
  await client.enrollWav(REFERENCE);
  voice = await client.saveVoice('discord test');
  await client.close();
});

test.after(async () => {
  await ts.stop();
});

/**
 * Subscribes a stand-in voice connection: the player's per-20 ms cycle hands it each packet
 * (`prepareAudioPacket`) exactly as it would a real one before encrypting and sending.
 */
function recordPlayer(player: AudioPlayer): Buffer[] {
  const packets: Buffer[] = [];
  const connection = {
    state: { status: 'ready' },
    prepareAudioPacket: (p: Buffer) => void packets.push(p),
    dispatchAudio: () => undefined,
    setSpeaking: () => undefined,
  };
  (player as unknown as { subscribe(c: unknown): unknown }).subscribe(connection);
  return packets;
}

function untilIdle(player: AudioPlayer): Promise<void> {
  return new Promise((resolve) => player.once(AudioPlayerStatus.Idle, () => resolve()));
}

const isSilence = (p: Buffer) => p.length === SILENCE.length && SILENCE.every((b, i) => p[i] === b);

/**
 * The player sends a silence packet for each 20 ms read that finds nothing (the server fell behind
 * on this shared machine) and stops after `maxMissedFrames` in a row; tests allow 5 s of such gaps.
 */
const player = () => createAudioPlayer({ behaviors: { noSubscriber: NoSubscriberBehavior.Play, maxMissedFrames: 250 } });

test('the player plays the server packets in order, one per 20 ms read, then silence padding, then idles', async () => {
  const client = await CloneCastClient.connect(url, { output: DISCORD_OUTPUT });
  try {
    await client.useVoice(voice);
    const speech = client.speak('Hello from the voice channel. This is a cloned voice.');
    const fromServer: AudioFrame[] = [];
    const tapped = { cancel: () => speech.cancel(), async *[Symbol.asyncIterator]() { for await (const f of speech) (fromServer.push(f), yield f); } };
    const resource = utteranceResource(tapped, { metadata: 'u1' });
    const audioPlayer = player();
    const played = recordPlayer(audioPlayer);
    const idle = untilIdle(audioPlayer);
    audioPlayer.play(resource);
    await idle;
    const done = await speech.done;

    assert.is(done.outcome, 'completed');
    assert.ok(fromServer.length > 20, `${fromServer.length} frames`);
    assert.is(fromServer.length, done.frames);
    fromServer.forEach((f, i) => assert.is(f.sequence, i));
    const serverPackets = fromServer.map((f) => Buffer.from(f.payload)).filter((p) => !isSilence(p));
    const audible = played.filter((p) => !isSilence(p));
    assert.is(audible.length, serverPackets.length, 'every server packet reached the connection');
    serverPackets.forEach((p, i) => assert.ok(p.equals(audible[i]), `packet ${i} is the server's, untouched, in order`));
    assert.ok(played.slice(-5).every(isSilence), 'ends with the library\'s 5 silence packets');
    assert.is(resource.playbackDuration, fromServer.length * 20, '20 ms per packet read');
    assert.ok(resource.ended);
    assert.is(resource.metadata, 'u1');
    console.log(`discord: ${fromServer.length} packets, ${played.length - fromServer.length - 5} empty reads while the server was behind`);

    const decoder = new OpusPacketDecoder(2);
    for (const p of audible) assert.is(decoder.decode(p).length, 960 * 2, '48 kHz stereo 20 ms');
  } finally {
    await client.close();
  }
});

test('stopping the player cancels the utterance on the server', async () => {
  const client = await CloneCastClient.connect(url, { output: DISCORD_OUTPUT });
  try {
    await client.useVoice(voice);
    const text = 'This sentence is long enough to be stopped. So is this one, and the one after it. And one more to be sure.';
    const { speech, resource } = speakResource(client, text);
    const audioPlayer = player();
    const played = recordPlayer(audioPlayer);
    audioPlayer.play(resource);
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => played.length >= 3 && (clearInterval(poll), resolve()), 5);
    });
    audioPlayer.stop(true);
    const done = await speech.done;
    assert.is(done.outcome, 'cancelled');
    assert.ok(resource.playStream.destroyed);
  } finally {
    await client.close();
  }
});

test('speakResource refuses a session whose output Discord cannot play untouched', async () => {
  const mono = await CloneCastClient.connect(url, { output: { format: 'opus', channels: 1 } });
  const pcm = await CloneCastClient.connect(url, { output: { format: 'pcm', sampleRate: 48000, channels: 2 } });
  try {
    assert.throws(() => speakResource(mono, 'Hi.'), (e: unknown) => e instanceof CloneCastError && e.code === 'not_started');
    await mono.useVoice(voice);
    assert.throws(() => speakResource(mono, 'Hi.'), (e: unknown) => e instanceof CloneCastError && e.code === 'bad_format');
    // Frames that are not Opus end the stream with a coded error instead of reaching the player.
    await pcm.useVoice(voice);
    const resource = utteranceResource(pcm.speak('Hi there.'));
    const error = await new Promise<unknown>((resolve) => {
      resource.playStream.once('error', resolve);
      resource.playStream.resume();
    });
    assert.ok(error instanceof CloneCastError && error.code === 'bad_format', String(error));
  } finally {
    await mono.close();
    await pcm.close();
  }
});

test('a refused utterance ends the stream with the server error code', async () => {
  const client = await CloneCastClient.connect(url, { output: DISCORD_OUTPUT });
  try {
    await client.useVoice(voice);
    const { resource } = speakResource(client, '...');
    const error = await new Promise<unknown>((resolve) => {
      resource.playStream.once('error', resolve);
      resource.playStream.resume();
    });
    assert.ok(error instanceof CloneCastError && error.code === 'no_speakable_text', String(error));
  } finally {
    await client.close();
  }
});

test.run();
