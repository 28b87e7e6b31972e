/**
 * Configuration of `clonecast serve` (docs/operations.md): flags and environment variables ->
 * `startServer` options. A flag wins over its variable; unset, the server's own default applies.
 * Tokens are secrets: they come only from `CLONECAST_AUTH_TOKENS` or a file
 * (`--auth-tokens-file` / `CLONECAST_AUTH_TOKENS_FILE`), never from the command line (other users
 * see it in `ps`), and no message ever repeats one.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { TOKEN_SHAPE } from '../server/admission.js';
import type { Limits, ServerOptions } from '../server/index.js';

/** A configuration error: the CLI prints it with the usage text and exits 2. */
export class ServeUsageError extends Error {
  override readonly name = 'ServeUsageError';
}

/** Every limit's flag and variable: `maxIdleX` -> `--max-idle-x`, `CLONECAST_MAX_IDLE_X`. */
const LIMIT_NAMES = [
  'maxFrameBytes', 'maxReferenceSeconds', 'maxTextChars', 'maxQueuedUtterances', 'idleTimeoutMs', 'maxBufferedBytes',
  'slowReaderTimeoutMs', 'maxSessions', 'maxActiveUtterances', 'maxConnectionsPerIp', 'maxMessagesPerSecond',
] as const satisfies readonly (keyof Limits)[];

/** Limits that may be fractional (seconds); the others are positive integers. */
const FRACTIONAL_LIMITS: ReadonlySet<keyof Limits> = new Set(['maxReferenceSeconds']);

export const flagOf = (name: string): string => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
export const envOf = (name: string): string => `CLONECAST_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

/** Usage lines of the serve options (for the CLI's help). */
export const SERVE_USAGE = `clonecast serve [--port N] [--host H] [--models DIR] [--data DIR] [--workers N] [--vocoder wavernn|griffin-lim]
                [--max-queue-wait-ms N] [--shutdown-grace-ms N] [--allowed-origins URL,...] [--auth-tokens-file FILE]
                [${LIMIT_NAMES.map((n) => `${flagOf(n)} N`).join('] [')}]
            tokens: env CLONECAST_AUTH_TOKENS (comma-separated) or a file (one per line), never a flag; see docs/operations.md`;

/**
 * Resolves `clonecast serve` arguments and environment into `startServer` options, checking every
 * value (all problems reported at once).
 * @throws ServeUsageError naming each bad flag or variable (never a token's value).
 */
export function resolveServeOptions(args: readonly string[], env: NodeJS.ProcessEnv = process.env): ServerOptions {
  for (const a of args) {
    if (/^--auth-tokens?(=|$)/.test(a)) {
      throw new ServeUsageError('tokens are secrets: set CLONECAST_AUTH_TOKENS or use --auth-tokens-file FILE, never a command-line flag');
    }
  }
  const limitFlags = Object.fromEntries(LIMIT_NAMES.map((n) => [flagOf(n).slice(2), { type: 'string' as const }]));
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...args], strict: true, allowPositionals: false,
      options: {
        port: { type: 'string' }, host: { type: 'string' }, models: { type: 'string' }, data: { type: 'string' },
        workers: { type: 'string' }, vocoder: { type: 'string' }, 'max-queue-wait-ms': { type: 'string' },
        'shutdown-grace-ms': { type: 'string' }, 'allowed-origins': { type: 'string' }, 'auth-tokens-file': { type: 'string' },
        ...limitFlags,
      },
    }) as { values: Record<string, string | undefined> });
  } catch (err) {
    throw new ServeUsageError((err as Error).message);
  }
  const problems: string[] = [];
  /** The flag's value, else the variable's, with where it came from (for messages). */
  const pick = (flag: string, variable?: string): { value: string; from: string } | undefined => {
    const f = values[flag];
    if (f !== undefined) return { value: f, from: `--${flag}` };
    const e = variable === undefined ? undefined : env[variable];
    return e === undefined || e === '' ? undefined : { value: e, from: variable! };
  };
  const number = (flag: string, variable: string | undefined, min: number, max: number, integer = true): number | undefined => {
    const got = pick(flag, variable);
    if (got === undefined) return undefined;
    const n = Number(got.value);
    if (got.value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
      const range = max < Number.MAX_SAFE_INTEGER ? ` in ${min}..${max}` : min === Number.MIN_VALUE ? ' > 0' : ` >= ${min}`;
      problems.push(`${got.from} must be ${integer ? 'an integer' : 'a number'}${range}, got "${got.value}"`);
      return undefined;
    }
    return n;
  };

  const vocoder = pick('vocoder', 'CLONECAST_VOCODER');
  if (vocoder !== undefined && vocoder.value !== 'wavernn' && vocoder.value !== 'griffin-lim') {
    problems.push(`${vocoder.from} must be "wavernn" or "griffin-lim", got "${vocoder.value}"`);
  }
  const limits: Partial<Record<keyof Limits, number>> = {};
  for (const name of LIMIT_NAMES) {
    const n = number(flagOf(name).slice(2), envOf(name), FRACTIONAL_LIMITS.has(name) ? Number.MIN_VALUE : 1, Number.MAX_SAFE_INTEGER, !FRACTIONAL_LIMITS.has(name));
    if (n !== undefined) limits[name] = n;
  }
  const options: ServerOptions = {
    port: number('port', 'PORT', 0, 65535),
    host: pick('host')?.value,
    modelsDir: pick('models', 'CLONECAST_MODELS')?.value,
    dataDir: pick('data', 'CLONECAST_DATA')?.value,
    workers: number('workers', undefined, 1, 64),
    vocoder: vocoder?.value as ServerOptions['vocoder'],
    maxQueueWaitMs: number('max-queue-wait-ms', 'CLONECAST_MAX_QUEUE_WAIT_MS', 1, Number.MAX_SAFE_INTEGER),
    shutdownGraceMs: number('shutdown-grace-ms', 'CLONECAST_SHUTDOWN_GRACE_MS', 0, Number.MAX_SAFE_INTEGER),
    allowedOrigins: origins(pick('allowed-origins', 'CLONECAST_ALLOWED_ORIGINS'), problems),
    authTokens: tokens(values['auth-tokens-file'], env, problems),
    limits,
  };
  if (problems.length > 0) throw new ServeUsageError(problems.join('\n'));
  return options;
}

/** A comma-separated list of exact origins (`scheme://host[:port]`). */
function origins(got: { value: string; from: string } | undefined, problems: string[]): string[] | undefined {
  if (got === undefined) return undefined;
  const list = got.value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  for (const o of list) {
    let ok = false;
    try {
      ok = new URL(o).origin === o;
    } catch {
      ok = false;
    }
    if (!ok) problems.push(`${got.from}: "${o}" is not an origin (scheme://host[:port], no path or trailing slash)`);
  }
  if (list.length === 0) problems.push(`${got.from} lists no origin`);
  return list;
}

/**
 * Tokens from the file (flag, else CLONECAST_AUTH_TOKENS_FILE; one per line or comma-separated,
 * `#` comments) or CLONECAST_AUTH_TOKENS. Messages name a token by position only.
 */
function tokens(fileFlag: string | undefined, env: NodeJS.ProcessEnv, problems: string[]): string[] | undefined {
  const fileEnv = env.CLONECAST_AUTH_TOKENS_FILE || undefined;
  const inline = env.CLONECAST_AUTH_TOKENS || undefined;
  const file = fileFlag ?? fileEnv;
  if (fileFlag === undefined && fileEnv !== undefined && inline !== undefined) {
    problems.push('set one of CLONECAST_AUTH_TOKENS and CLONECAST_AUTH_TOKENS_FILE, not both');
    return undefined;
  }
  let text: string;
  let from: string;
  if (file !== undefined) {
    from = file;
    try {
      text = readFileSync(file, 'utf8').replace(/#.*$/gm, '');
    } catch (err) {
      problems.push(`cannot read the tokens file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return undefined;
    }
  } else if (inline !== undefined) {
    from = 'CLONECAST_AUTH_TOKENS';
    text = inline;
  } else {
    return undefined;
  }
  const list = text.split(/[,\n\r]/).map((s) => s.trim()).filter((s) => s.length > 0);
  list.forEach((t, i) => {
    if (!TOKEN_SHAPE.test(t)) problems.push(`token ${i + 1} of ${from} is not 16..256 characters of A-Za-z0-9._~- (${t.length} characters)`);
  });
  if (list.length === 0) problems.push(`${from} holds no token`);
  return list;
}
