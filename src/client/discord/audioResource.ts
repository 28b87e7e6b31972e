/**
 * clonecast utterances as `@discordjs/voice` AudioResources: the server's 48 kHz stereo 20 ms Opus
 * packets go to Discord untouched (`StreamType.Opus`, no FFmpeg, no re-encoding).
 * `@discordjs/voice` is an optional peer dependency: only code that imports this file needs it.
 */
import { createAudioResource, StreamType, type AudioResource } from '@discordjs/voice';
import type { CloneCastClient } from '../cloneCastClient.js';
import { CloneCastError } from '../errors.js';
import type { Speech } from '../speech.js';
import { opusPacketStream, type OpusUtterance } from './opusPacketStream.js';

export interface UtteranceResourceOptions<T> {
  /** Attached to the resource (`resource.metadata`), e.g. the text or the requesting user. */
  readonly metadata?: T;
  /** See OpusPacketStreamOptions.prebufferFrames (default 3 packets = 60 ms). */
  readonly prebufferFrames?: number;
  /** Silence packets the library plays after the end (default 5, the library's default). */
  readonly silencePaddingFrames?: number;
}

/**
 * Wraps an utterance's frames in an AudioResource for `player.play(resource)`. Stopping the player
 * (or destroying `resource.playStream`) cancels the utterance on the server.
 *
 * The player reads one packet per 20 ms; when the server falls behind it sends silence and, after
 * `behaviors.maxMissedFrames` (default 5 = 100 ms) empty reads in a row, stops the resource, which
 * cancels the utterance. On a loaded server create the player with e.g. `maxMissedFrames: 50`.
 */
export function utteranceResource<T = null>(utterance: OpusUtterance, options: UtteranceResourceOptions<T> = {}): AudioResource<T> {
  return createAudioResource(opusPacketStream(utterance, { prebufferFrames: options.prebufferFrames }), {
    inputType: StreamType.Opus,
    metadata: options.metadata,
    silencePaddingFrames: options.silencePaddingFrames,
  }) as AudioResource<T>;
}

/**
 * Speaks `text` on a started session and returns the Speech (for `done`: ttfa, rtf) with its resource.
 * @throws CloneCastError `not_started` before the session has a voice; `bad_format` when the session
 *   output is not DISCORD_OUTPUT (opusPacketStream.ts; Discord wants 48 kHz stereo Opus).
 */
export function speakResource<T = null>(
  client: CloneCastClient,
  text: string,
  options: UtteranceResourceOptions<T> & { readonly id?: string } = {},
): { speech: Speech; resource: AudioResource<T> } {
  const output = client.session?.output;
  if (!output) throw new CloneCastError('not_started', 'enroll a voice or use a saved one before speaking');
  if (output.format !== 'opus' || output.sampleRate !== 48000 || output.channels !== 2) {
    throw new CloneCastError(
      'bad_format',
      `session output is ${output.format} ${output.sampleRate} Hz x${output.channels}; connect with { output: DISCORD_OUTPUT }`,
    );
  }
  const speech = client.speak(text, { id: options.id });
  return { speech, resource: utteranceResource(speech, options) };
}
