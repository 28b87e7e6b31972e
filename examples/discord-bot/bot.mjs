// clonecast Discord bot: clones a voice from an audio attachment and speaks what users type into the
// voice channel it joined. Opus packets go from the clonecast server to Discord untouched.
//
//   DISCORD_TOKEN=... CLONECAST_URL=ws://localhost:8080 npm start
//
// Commands (in a server text channel):
//   !join              join your voice channel; from now on, text typed in this channel is spoken
//   !voice  + a WAV    clone the voice of the attached recording (16-bit PCM WAV, 3-30 s of speech)
//   !voice <id>        use a voice saved earlier on the clonecast server
//   !stop              stop speaking (cancels the utterance on the server) and drop queued ones
//   !leave             leave the voice channel
import { Client, Events, GatewayIntentBits } from 'discord.js';
import {
  AudioPlayerStatus,
  createAudioPlayer,
  createAudioResource,
  entersState,
  joinVoiceChannel,
  NoSubscriberBehavior,
  StreamType,
  VoiceConnectionStatus,
} from '@discordjs/voice';
import { CloneCastClient } from 'clonecast/dist/src/client/index.js';
import { DISCORD_OUTPUT, opusPacketStream } from 'clonecast/dist/src/client/discord/opusPacketStream.js';

const token = process.env.DISCORD_TOKEN;
if (!token) {
  console.error('DISCORD_TOKEN is not set: create a bot at https://discord.com/developers/applications and export its token');
  process.exit(1);
}
const SERVER = process.env.CLONECAST_URL ?? 'ws://localhost:8080';
const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

/** Per Discord server: its voice connection and player, the clonecast session, queued utterances. */
const guilds = new Map();

function guildState(guildId) {
  let g = guilds.get(guildId);
  if (!g) {
    // maxMissedFrames: ride out up to 1 s of the server falling behind (silence) instead of stopping.
    const player = createAudioPlayer({ behaviors: { noSubscriber: NoSubscriberBehavior.Pause, maxMissedFrames: 50 } });
    g = { connection: null, player, clonecast: null, textChannelId: null, queue: [] };
    player.on(AudioPlayerStatus.Idle, () => playNext(g));
    player.on('error', (error) => console.warn(`playback stopped: ${error.message}`));
    guilds.set(guildId, g);
  }
  return g;
}

function playNext(g) {
  const next = g.queue.shift();
  if (next) g.player.play(next);
}

/** Queues `text`: the server starts synthesizing now; Discord plays it when the ones before end. */
function speak(g, text) {
  const speech = g.clonecast.speak(text.slice(0, 2000));
  speech.done.then(
    (d) => console.log(`${d.outcome}: ${d.audioSeconds.toFixed(1)} s, TTFA ${d.ttfaMs.toFixed(0)} ms, RTF ${d.rtf.toFixed(2)}`),
    (e) => console.warn(`utterance failed: ${e.code} ${e.message}`),
  );
  g.queue.push(createAudioResource(opusPacketStream(speech), { inputType: StreamType.Opus, metadata: speech }));
  if (g.player.state.status === AudioPlayerStatus.Idle) playNext(g);
}

/** Replaces the guild's clonecast session (one session holds one voice). */
async function newSession(g) {
  await g.clonecast?.close();
  g.clonecast = await CloneCastClient.connect(SERVER, { output: DISCORD_OUTPUT });
  return g.clonecast;
}

function stop(g) {
  for (const resource of g.queue.splice(0)) resource.playStream.destroy();
  g.player.stop(true); // destroys the playing resource's stream, which cancels its utterance
}

async function handle(message) {
  const g = guildState(message.guild.id);
  const [command, ...rest] = message.content.trim().split(/\s+/);
  switch (command) {
    case '!join': {
      const channel = message.member?.voice.channel;
      if (!channel) return message.reply('join a voice channel first');
      g.connection = joinVoiceChannel({ channelId: channel.id, guildId: channel.guild.id, adapterCreator: channel.guild.voiceAdapterCreator });
      await entersState(g.connection, VoiceConnectionStatus.Ready, 20_000);
      g.connection.subscribe(g.player);
      g.textChannelId = message.channel.id;
      return message.reply(`joined ${channel.name}; ${g.clonecast ? 'type to speak' : 'now send !voice with a WAV attachment'}`);
    }
    case '!voice': {
      const attachment = message.attachments.first();
      if (rest[0] && !attachment) {
        await (await newSession(g)).useVoice(rest[0]);
        return message.reply(`using voice ${rest[0]}`);
      }
      if (!attachment) return message.reply('attach a WAV recording of the voice (16-bit PCM), or give a saved voice id');
      if (attachment.size > MAX_ATTACHMENT_BYTES) return message.reply('that file is too large (10 MB at most)');
      const bytes = new Uint8Array(await (await fetch(attachment.url)).arrayBuffer());
      const client = await newSession(g);
      const ready = await client.enrollWav(bytes);
      const id = await client.saveVoice(attachment.name.slice(0, 100));
      return message.reply(`voice cloned from ${ready.speechSeconds.toFixed(1)} s of speech; saved as \`${id}\` (use \`!voice ${id}\` later)`);
    }
    case '!stop':
      stop(g);
      return;
    case '!leave':
      stop(g);
      g.connection?.destroy();
      g.connection = null;
      g.textChannelId = null;
      return;
    default:
      if (message.channel.id === g.textChannelId && g.connection && g.clonecast?.session && !command.startsWith('!')) {
        speak(g, message.cleanContent);
      }
  }
}

const discord = new Client({
  intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
});
discord.on(Events.MessageCreate, (message) => {
  if (message.author.bot || !message.guild) return;
  handle(message).catch((error) => message.reply(`clonecast: ${error.code ?? 'error'}: ${error.message}`).catch(() => undefined));
});
discord.once(Events.ClientReady, (c) => console.log(`logged in as ${c.user.tag}; clonecast server ${SERVER}`));
await discord.login(token);
