#!/usr/bin/env node
/**
 * The `clonecast` command line:
 *   clonecast serve   [--port N] [--host H] [--models DIR] [--data DIR] [--workers N] [--vocoder wavernn|griffin-lim]
 *                     [security, limit and shutdown options: src/client/serveOptions.ts, docs/operations.md]
 *   clonecast say     --server ws://HOST:PORT (--voice ref.wav | --voice-id ID) --text "..." --out out.wav [--save-voice] [--json]
 *   clonecast resynth --in speech.wav --out out.wav [--models DIR] [--engine native|onnx-loop|griffin-lim] [--seed N]
 *   clonecast embed   --in a.wav [--in b.wav ...] [--models DIR] [--json]
 *   clonecast import-rtvc --encoder encoder.pt --synthesizer synthesizer.pt --vocoder vocoder.pt --out DIR [--int8-vocoder] [--int8-decoder] [--stream-folds] [--json]
 * Exit codes: 0 success, 1 failure (the error's code and message on stderr), 2 bad usage.
 */
import { parseArgs } from 'node:util';
import { CloneCastError } from './errors.js';
import { say } from './say.js';
import { resolveServeOptions, SERVE_USAGE, ServeUsageError } from './serveOptions.js';

const USAGE = `usage:
  ${SERVE_USAGE}
  clonecast say     --server ws://HOST:PORT (--voice ref.wav | --voice-id ID) --text "Hello there." --out out.wav [--save-voice] [--json]
  clonecast resynth --in speech.wav --out out.wav [--models DIR] [--engine native|onnx-loop|griffin-lim] [--seed N]
  clonecast embed   --in a.wav [--in b.wav ...] [--models DIR] [--json]
  clonecast import-rtvc --encoder encoder.pt --synthesizer synthesizer.pt --vocoder vocoder.pt --out DIR [--int8-vocoder] [--int8-decoder] [--stream-folds] [--json]

  serve     starts the server (HTTP + WebSocket /v1/stream); PORT env or 8080, CLONECAST_MODELS env or ./models
  say       clones the voice of ref.wav (or uses a saved voice), speaks the text, writes a 16 kHz WAV;
            --json prints {"ttfaMs","rtf","audioSeconds","embeddingWindows"} (ttfaMs: speak sent -> first frame, at the client)
  resynth   real speech -> mel -> vocoder -> WAV (checks the vocoder alone)
  embed     voice embeddings of WAV files with the served speaker encoder, and their cosine similarities;
            --json prints {"encoderId","files":[{"file","windows","speechSeconds","embedding"}],"cosines"}
  import-rtvc  converts your Real-Time-Voice-Cloning checkpoints into a model directory for serve --models DIR
            (runs /usr/bin/python3 with torch, or CLONECAST_PYTHON); --int8-vocoder serves the int8 WaveRNN loop
            (about 5x faster, not bit-exact); --int8-decoder serves the int8 Tacotron decoder step (about 2.5x
            faster, not bit-exact); --stream-folds streams the WaveRNN in growing folds (RTVC's batched mode,
            faster again); --json prints {"out","parameters","files"}`;

class UsageError extends Error {}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'say':
      return sayCommand(rest);
    case 'resynth':
      return resynthCommand(rest);
    case 'embed':
      return embedCommand(rest);
    case 'import-rtvc':
      return importRtvcCommand(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function serve(args: readonly string[]): Promise<number> {
  let options;
  try {
    options = resolveServeOptions(args);
  } catch (err) {
    if (err instanceof ServeUsageError) throw new UsageError(err.message);
    throw err;
  }
  const { startServer } = await import('../server/index.js');
  const server = await startServer(options);
  // Tools (the benchmark, scripts) read this line to find the port.
  process.stdout.write(`clonecast listening on port ${server.port}\n`);
  const tokens = options.authTokens?.length ?? 0;
  process.stdout.write(`clonecast access: ${tokens > 0 ? `token required (${tokens} configured)` : 'no token'}; origins: ${options.allowedOrigins?.join(', ') ?? 'any'}\n`);
  server.ready.then(
    () => process.stdout.write('clonecast ready\n'),
    (err) => process.stderr.write(`clonecast: models failed to load: ${(err as Error).message}\n`),
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return 0;
}

async function sayCommand(args: readonly string[]): Promise<number> {
  const { values } = parse(args, {
    server: 'string', voice: 'string', 'voice-id': 'string', text: 'string', out: 'string', json: 'boolean', 'save-voice': 'boolean',
  });
  const server = required(values.server, '--server');
  const text = required(values.text, '--text');
  const out = required(values.out, '--out');
  if ((values.voice === undefined) === (values['voice-id'] === undefined)) throw new UsageError('give exactly one of --voice and --voice-id');
  const result = await say({ server, text, out, voiceWav: values.voice, voiceId: values['voice-id'], saveVoice: values['save-voice'] });
  if (values.json) {
    const { ttfaMs, rtf, audioSeconds, embeddingWindows, voiceId } = result;
    process.stdout.write(`${JSON.stringify({ ttfaMs: round(ttfaMs, 1), rtf: rtf === null ? null : round(rtf, 3), audioSeconds: round(audioSeconds, 3), embeddingWindows, ...(voiceId ? { voiceId } : {}) })}\n`);
  } else {
    process.stdout.write(
      `wrote ${out}: ${result.audioSeconds.toFixed(2)} s; first audio after ${result.ttfaMs.toFixed(0)} ms; rtf ${result.rtf?.toFixed(3) ?? 'n/a'}` +
        `${result.embeddingWindows === null ? '' : `; voice from ${result.embeddingWindows} encoder windows`}${result.voiceId ? `; saved as ${result.voiceId}` : ''}\n`,
    );
  }
  return 0;
}

/** Real speech -> mel -> vocoder -> WAV (engineer C's src/client/resynth.ts). */
async function resynthCommand(args: readonly string[]): Promise<number> {
  const { values } = parse(args, { in: 'string', out: 'string', models: 'string', engine: 'string', seed: 'string' });
  const input = required(values.in, '--in');
  const out = required(values.out, '--out');
  const { resynth } = await import('./resynth.js');
  const result = await resynth({
    in: input,
    out,
    modelsDir: values.models,
    engine: values.engine,
    seed: values.seed === undefined ? undefined : integer(values.seed, '--seed', 0, 0x7fffffff),
  });
  process.stdout.write(
    `wrote ${out}: ${result.seconds.toFixed(2)} s with the ${result.engine} vocoder, ${result.realTimeFactor.toFixed(2)} x real time\n`,
  );
  return 0;
}

/** Voice embeddings of WAV files and their cosine similarities (src/client/embed.ts). */
async function embedCommand(args: readonly string[]): Promise<number> {
  const { values } = parse(args, { in: 'strings', models: 'string', json: 'boolean' });
  const files = values.in ?? [];
  if (files.length === 0) throw new UsageError('--in is required (once per file)');
  const { embedFiles } = await import('./embed.js');
  const result = await embedFiles(files, values.models);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({
      encoderId: result.encoderId,
      files: result.files.map((f) => ({ file: f.file, windows: f.windows, speechSeconds: round(f.speechSeconds, 3), embedding: Array.from(f.embedding, (v) => round(v, 6)) })),
      cosines: result.cosines.map((row) => row.map((c) => round(c, 4))),
    })}\n`);
  } else {
    result.files.forEach((f, i) => {
      const others = result.cosines[i].map((c, j) => (j === i ? null : `${c.toFixed(3)} to #${j + 1}`)).filter((x) => x !== null);
      process.stdout.write(`#${i + 1} ${f.file}: ${f.windows} windows, ${f.speechSeconds.toFixed(1)} s of speech${others.length ? `; cosine ${others.join(', ')}` : ''}\n`);
    });
  }
  return 0;
}

/** RTVC checkpoints -> a model directory (src/client/importRtvc.ts). */
async function importRtvcCommand(args: readonly string[]): Promise<number> {
  const { values } = parse(args, { encoder: 'string', synthesizer: 'string', vocoder: 'string', out: 'string', 'int8-vocoder': 'boolean', 'int8-decoder': 'boolean', 'stream-folds': 'boolean', json: 'boolean' });
  const { importRtvc } = await import('./importRtvc.js');
  const result = await importRtvc({
    encoder: required(values.encoder, '--encoder'), synthesizer: required(values.synthesizer, '--synthesizer'),
    vocoder: required(values.vocoder, '--vocoder'), out: required(values.out, '--out'), int8Vocoder: values['int8-vocoder'], streamFolds: values['stream-folds'],
    int8Decoder: values['int8-decoder'],
  });
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    const p = result.parameters;
    process.stdout.write(`wrote ${result.out}: ${result.files.length} ONNX graphs + manifest.json (encoder ${p.encoder}, synthesizer ${p.synthesizer}, ` +
      `vocoder ${p.vocoder} parameters); serve it with: clonecast serve --models ${result.out}\n`);
  }
  return 0;
}

/** Flag types: 'strings' is a string flag that may repeat (its value is an array). */
type Spec = Record<string, 'string' | 'boolean' | 'strings'>;
type ParsedOption<T> = T extends 'strings' ? { type: 'string'; multiple: true } : { type: T };

function parse<S extends Spec>(args: readonly string[], spec: S) {
  const options = Object.fromEntries(
    Object.entries(spec).map(([k, type]) => [k, type === 'strings' ? { type: 'string', multiple: true } : { type }]),
  ) as { [K in keyof S]: ParsedOption<S[K]> };
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.length === 0) throw new UsageError(`${flag} is required`);
  return value;
}

function integer(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be an integer in ${min}..${max}, got "${value}"`);
  return n;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`clonecast: ${err.message}\n${USAGE}\n`);
      process.exitCode = 2;
    } else if (err instanceof CloneCastError || typeof (err as { code?: unknown })?.code === 'string') {
      // Coded errors (SDK, vocoder, WAV, manifest) are expected failures: code and message, no stack.
      const { code, message } = err as { code: string; message: string };
      process.stderr.write(`clonecast: ${code}: ${message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`clonecast: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
