import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ProtocolError } from '../../src/server/errors.js';
import { decodeAudioFrame, encodeAudioFrame, parseClientMessage } from '../../src/server/protocol.js';

/** The error code parseClientMessage throws for `text`, or null when it parses. */
function codeOf(text: string): string | null {
  try {
    parseClientMessage(text);
    return null;
  } catch (err) {
    assert.instance(err, ProtocolError);
    return (err as ProtocolError).code;
  }
}

test('parses start with audio and fills output defaults (opus, 48 kHz, mono)', () => {
  const msg = parseClientMessage('{"type":"start","audio":{"sampleRate":22050}}');
  assert.equal(msg, { type: 'start', audio: { sampleRate: 22050 }, voice: null, output: { format: 'opus', sampleRate: 48000, channels: 1 } });
});

test('parses start with a voice id and pcm output at 24 kHz stereo', () => {
  const msg = parseClientMessage('{"type":"start","voice":"abc","output":{"format":"pcm","sampleRate":24000,"channels":2}}');
  assert.equal(msg, { type: 'start', audio: null, voice: 'abc', output: { format: 'pcm', sampleRate: 24000, channels: 2 } });
});

test('refuses text that is not a JSON object as malformed_json', () => {
  assert.is(codeOf('{"type":'), 'malformed_json');
  assert.is(codeOf('[1,2]'), 'malformed_json');
  assert.is(codeOf('"start"'), 'malformed_json');
  assert.is(codeOf('null'), 'malformed_json');
  assert.is(codeOf('{"type":"start","audio":{"sampleRate":NaN}}'), 'malformed_json');
});

test('refuses numbers that parse to Infinity as invalid_field', () => {
  assert.is(codeOf('{"type":"start","audio":{"sampleRate":1e999}}'), 'invalid_field');
  assert.is(codeOf('{"type":"speak","id":"a","text":"hi","extra":-1e400}'), 'invalid_field');
});

test('refuses unknown and missing types', () => {
  assert.is(codeOf('{"type":"dance"}'), 'unknown_type');
  assert.is(codeOf('{"type":7}'), 'unknown_type');
  assert.is(codeOf('{"text":"hi"}'), 'missing_field');
});

test('start needs exactly one of audio and voice', () => {
  assert.is(codeOf('{"type":"start"}'), 'missing_field');
  assert.is(codeOf('{"type":"start","audio":{"sampleRate":16000},"voice":"x"}'), 'invalid_field');
  assert.is(codeOf('{"type":"start","audio":{}}'), 'missing_field');
  assert.is(codeOf('{"type":"start","audio":{"sampleRate":"16000"}}'), 'invalid_field');
  assert.is(codeOf('{"type":"start","audio":{"sampleRate":16000,"channels":2}}'), 'invalid_field');
  assert.is(codeOf('{"type":"start","audio":{"sampleRate":16000,"encoding":"mulaw"}}'), 'invalid_field');
});

test('refuses input rates outside 8000..48000 and non-integer rates', () => {
  assert.is(codeOf('{"type":"start","audio":{"sampleRate":7999}}'), 'unsupported_sample_rate');
  assert.is(codeOf('{"type":"start","audio":{"sampleRate":48001}}'), 'unsupported_sample_rate');
  assert.is(codeOf('{"type":"start","audio":{"sampleRate":16000.5}}'), 'unsupported_sample_rate');
  assert.is(codeOf('{"type":"start","audio":{"sampleRate":8000}}'), null);
  assert.is(codeOf('{"type":"start","audio":{"sampleRate":48000}}'), null);
});

test('refuses output rates the format does not allow', () => {
  assert.is(codeOf('{"type":"start","voice":"v","output":{"format":"opus","sampleRate":24000}}'), 'unsupported_sample_rate');
  assert.is(codeOf('{"type":"start","voice":"v","output":{"format":"pcm","sampleRate":22050}}'), 'unsupported_sample_rate');
  assert.is(codeOf('{"type":"start","voice":"v","output":{"format":"mp3"}}'), 'invalid_field');
  assert.is(codeOf('{"type":"start","voice":"v","output":{"channels":3}}'), 'invalid_field');
});

test('speak needs a valid id and a string text; final defaults to true', () => {
  assert.equal(parseClientMessage('{"type":"speak","id":"u-1","text":"Hi."}'), { type: 'speak', id: 'u-1', text: 'Hi.', final: true });
  assert.is(codeOf('{"type":"speak","text":"Hi."}'), 'missing_field');
  assert.is(codeOf('{"type":"speak","id":"u 1","text":"Hi."}'), 'invalid_field');
  assert.is(codeOf('{"type":"speak","id":"../etc","text":"Hi."}'), 'invalid_field');
  assert.is(codeOf(`{"type":"speak","id":"${'a'.repeat(65)}","text":"Hi."}`), 'invalid_field');
  assert.is(codeOf('{"type":"speak","id":"u1"}'), 'missing_field');
  assert.is(codeOf('{"type":"speak","id":"u1","text":3}'), 'invalid_field');
  assert.is(codeOf('{"type":"speak","id":"u1","text":"a","final":"no"}'), 'invalid_field');
});

test('errors about a speak carry its id', () => {
  try {
    parseClientMessage('{"type":"speak","id":"u7","text":5}');
    assert.unreachable();
  } catch (err) {
    assert.is((err as ProtocolError).id, 'u7');
  }
});

test('voice.save name is optional and bounded', () => {
  assert.equal(parseClientMessage('{"type":"voice.save"}'), { type: 'voice.save', name: null });
  assert.equal(parseClientMessage('{"type":"voice.save","name":"me"}'), { type: 'voice.save', name: 'me' });
  assert.is(codeOf(`{"type":"voice.save","name":"${'x'.repeat(101)}"}`), 'invalid_field');
});

test('audio frames round-trip through the 10-byte header', () => {
  const payload = Uint8Array.from([9, 8, 7]);
  const bytes = encodeAudioFrame({ utterance: 70000, sequence: 3, last: true, format: 'pcm', payload });
  assert.is(bytes.length, 13);
  assert.is(bytes[0], 1);
  const frame = decodeAudioFrame(bytes);
  assert.is(frame.utterance, 70000);
  assert.is(frame.sequence, 3);
  assert.is(frame.last, true);
  assert.is(frame.format, 'pcm');
  assert.equal([...frame.payload], [9, 8, 7]);
  const opus = decodeAudioFrame(encodeAudioFrame({ utterance: 0, sequence: 0, last: false, format: 'opus', payload }));
  assert.is(opus.last, false);
  assert.is(opus.format, 'opus');
  assert.throws(() => decodeAudioFrame(new Uint8Array(5)), /shorter/);
});

test.run();
