/**
 * Seeded generator of protocol v1 client frames for the fuzzer: valid messages, mutations of them
 * (structural and byte-level), random text and bytes, tiny, huge and fragmented frames. Each frame
 * says what the server must answer, so the fuzzer can check every bad frame got its verdict.
 */

/** mulberry32: a small seeded generator, so a failing run can be replayed from its seed. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 1) out[i] = this.int(0, 255);
    return out;
  }
}

/**
 * What the server must do with a frame:
 * - `error`: answer with a coded `error` (any documented code), connection stays open;
 * - `close`: close the connection with one of `codes`;
 * - `any`: anything documented (the frame may be valid or not: byte mutations, valid traffic).
 */
export type Verdict = { readonly kind: 'error' } | { readonly kind: 'close'; readonly codes: readonly number[] } | { readonly kind: 'any' };

export interface FuzzFrame {
  /** Generator category, for failure messages and the summary. */
  readonly category: string;
  /** One frame, or several fragments of one message (sent with fin=false until the last). */
  readonly fragments: readonly Uint8Array[];
  readonly binary: boolean;
  readonly verdict: Verdict;
}

export interface FuzzContext {
  /** A stored voice id, for valid `start {voice}` messages. */
  readonly voice: string;
  /** Real reference speech (16-bit LE mono, 16 kHz) to cut valid audio chunks from. */
  readonly speech: Uint8Array;
  /** The server's maxFrameBytes: frames above it must close with 1009. */
  readonly maxFrameBytes: number;
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Valid client messages (valid in some session state; the server's answer depends on it). */
function validMessage(rng: Rng, ctx: FuzzContext): Record<string, unknown> {
  switch (rng.int(0, 6)) {
    case 0:
      return { type: 'start', audio: { sampleRate: rng.pick([8000, 16000, 22050, 48000]) }, output: { format: rng.pick(['opus', 'pcm']) } };
    case 1:
      return { type: 'start', voice: ctx.voice };
    case 2:
      return { type: 'enroll.end' };
    case 3:
      return { type: 'speak', id: `f${rng.int(0, 5)}`, text: rng.pick(['Hi.', 'Yes', 'Okay then.']), final: rng.next() < 0.7 };
    case 4:
      return { type: 'cancel', id: `f${rng.int(0, 5)}` };
    case 5:
      return { type: 'voice.save', name: rng.pick(['a', 'fuzz voice']) };
    default:
      return { type: 'speak', id: `f${rng.int(0, 5)}`, text: 'Hello', final: false, seed: rng.int(0, 1000) };
  }
}

/** A value of a random JSON kind, including edge cases parsers trip on. */
function randomValue(rng: Rng): unknown {
  return rng.pick<() => unknown>([
    () => null,
    () => true,
    () => -1,
    () => 0.5,
    () => 2 ** 53 + 2,
    () => 1e308,
    () => '',
    () => 'x'.repeat(rng.int(1, 3000)),
    () => '\u0000\ud83d\ude00\u202e',
    () => [],
    () => [1, 'a', null],
    () => ({}),
    () => ({ sampleRate: 'fast' }),
    () => ({ __proto__: { polluted: true } }),
  ])();
}

/** Required fields per type whose value must be of a given JSON kind; a different kind is invalid. */
const TYPED_FIELDS: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  start: [['audio', 'object'], ['voice', 'string'], ['output', 'object']],
  speak: [['id', 'string'], ['text', 'string'], ['final', 'boolean'], ['seed', 'number']],
  cancel: [['id', 'string']],
  'voice.save': [['name', 'string']],
};

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/** Replaces a typed field with a value of another kind: always invalid (`invalid_field`). */
function wrongTypeMessage(rng: Rng, ctx: FuzzContext): Record<string, unknown> {
  for (;;) {
    const msg = validMessage(rng, ctx);
    const fields = TYPED_FIELDS[msg.type as string];
    if (fields === undefined) continue;
    const [field, kind] = rng.pick(fields);
    let value = randomValue(rng);
    while (kindOf(value) === kind || value === null) value = randomValue(rng);
    if (msg.type === 'start' && field !== 'output') {
      // start needs exactly one of audio/voice: keep that rule satisfied so the type is what fails
      delete msg.audio;
      delete msg.voice;
    }
    return { ...msg, [field]: value };
  }
}

/** Flips, inserts or deletes a few bytes of a serialized valid message (may still be valid). */
function byteMutation(rng: Rng, bytes: Uint8Array): Uint8Array {
  const out = Array.from(bytes);
  for (let n = rng.int(1, 4); n > 0; n -= 1) {
    const at = rng.int(0, Math.max(0, out.length - 1));
    const op = rng.int(0, 2);
    if (op === 0) out[at] = rng.int(0, 255);
    else if (op === 1) out.splice(at, 0, rng.int(0, 255));
    else out.splice(at, 1);
  }
  return Uint8Array.from(out);
}

function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Printable ASCII noise: never a valid message (random JSON would need a known `type`). */
function randomText(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i += 1) s += String.fromCharCode(rng.int(32, 126));
  return s.startsWith('{') ? `x${s}` : s;
}

/** Splits `bytes` into 2..5 fragments (some possibly empty). */
function fragment(rng: Rng, bytes: Uint8Array): Uint8Array[] {
  const cuts = Array.from({ length: rng.int(1, 4) }, () => rng.int(0, bytes.length)).sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const cut of cuts) {
    parts.push(bytes.subarray(from, cut));
    from = cut;
  }
  parts.push(bytes.subarray(from));
  return parts;
}

const ERROR: Verdict = { kind: 'error' };
const ANY: Verdict = { kind: 'any' };
const CLOSE_TOO_BIG: Verdict = { kind: 'close', codes: [1009] };
const CLOSE_BAD_UTF8: Verdict = { kind: 'close', codes: [1007] };

/** The next fuzz frame. Categories are weighted so closing frames stay rare (each costs a reconnect). */
export function nextFuzzFrame(rng: Rng, ctx: FuzzContext): FuzzFrame {
  const r = rng.next();
  const text = (category: string, s: string | Uint8Array, verdict: Verdict): FuzzFrame => ({
    category,
    fragments: [typeof s === 'string' ? utf8(s) : s],
    binary: false,
    verdict,
  });
  const binary = (category: string, b: Uint8Array, verdict: Verdict): FuzzFrame => ({ category, fragments: [b], binary: true, verdict });

  if (r < 0.2) return text('valid', JSON.stringify(validMessage(rng, ctx)), ANY);
  if (r < 0.3) {
    const at = rng.int(0, ctx.speech.length / 2 - 1600) * 2;
    return binary('valid-audio', ctx.speech.slice(at, at + 2 * rng.int(1, 1600)), ANY);
  }
  if (r < 0.42) return text('wrong-type', JSON.stringify(wrongTypeMessage(rng, ctx)), ERROR);
  if (r < 0.57) {
    const mutated = byteMutation(rng, utf8(JSON.stringify(validMessage(rng, ctx))));
    return text('byte-mutated', mutated, isValidUtf8(mutated) ? ANY : CLOSE_BAD_UTF8);
  }
  if (r < 0.64) return text('random-text', randomText(rng, rng.int(1, 200)), ERROR);
  if (r < 0.69) {
    const json = rng.pick(['[]', '[{"type":"start"}]', '42', '"start"', 'null', 'true', '{}', '{"type":7}', '{"type":null}']);
    return text('non-message-json', json, ERROR);
  }
  if (r < 0.73) return text('unknown-type', JSON.stringify({ type: rng.pick(['sing', 'START', 'speak ', '', 'constructor', '__proto__']) }), ERROR);
  if (r < 0.78) return text('tiny', rng.pick(['', ' ', '{', '}', '\u0000']), ERROR);
  if (r < 0.84) return binary('odd-binary', rng.bytes(2 * rng.int(0, 100) + 1), ERROR);
  if (r < 0.9) {
    const valid = utf8(JSON.stringify(validMessage(rng, ctx)));
    return { category: 'fragmented-valid', fragments: fragment(rng, valid), binary: false, verdict: ANY };
  }
  if (r < 0.93) {
    const bad = utf8(randomText(rng, rng.int(2, 300)));
    return { category: 'fragmented-garbage', fragments: fragment(rng, bad), binary: false, verdict: ERROR };
  }
  if (r < 0.96) return text('invalid-utf8', Uint8Array.from([0x7b, 0xc3, 0x28, 0xff, 0xfe, 0x7d]), CLOSE_BAD_UTF8);
  const huge = rng.bytes(ctx.maxFrameBytes + rng.int(1, ctx.maxFrameBytes));
  if (rng.next() < 0.5) return { category: 'huge-fragmented', fragments: fragment(rng, huge), binary: true, verdict: CLOSE_TOO_BIG };
  return binary('huge', huge, CLOSE_TOO_BIG);
}
