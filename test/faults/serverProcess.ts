/** A real `clonecast serve` child process for fault tests that need signals (SIGTERM, SIGKILL). */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/client/cli.js', import.meta.url));
const START_GUARD_MS = 120_000;

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything the child wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Spawns `clonecast serve --port 0` with `dataDir` and waits until it prints `clonecast ready`;
 * `env` (default: this process's) is the child's whole environment.
 */
export async function spawnServer(dataDir: string, extraArgs: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<ServerProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--host', '127.0.0.1', '--workers', '1', '--data', dataDir, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const deadline = Date.now() + START_GUARD_MS;
  let port: number | null = null;
  while (port === null || !text.includes('clonecast ready')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start:\n${text}`);
    }
    const m = /listening on port (\d+)/.exec(text);
    if (m) port = Number(m[1]);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, port, output: () => text, exited };
}
