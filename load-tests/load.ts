/**
 * `npm run load`: how many concurrent voice streams this machine carries in real time (the knee),
 * and what happens past it. Spawns `clonecast serve` (or drives --server), ramps sessions level by
 * level (each enrolls from real speech, then speaks like a live bot: whole, streamed in pieces, or
 * cancelled midway), holds each level steady, then spikes to twice the knee. Prints a table and
 * writes JSON and a self-contained HTML chart (default under runs/load/).
 *
 *   node dist/load-tests/load.js [--levels 1,2,3,4,6,8] [--steady 15] [--ramp 3] [--spike 12]
 *     [--spike-sessions N] [--max-active N] [--prebuffer 150] [--workers N] [--max-queue-wait-ms 500]
 *     [--server http://host:port] [--token T] [--out runs/load]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatHtml, formatTable, type LoadReport } from './loadReport.js';
import { runLoad } from './loadRun.js';
import { externalServer, spawnServer } from './serverUnderTest.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      levels: { type: 'string', default: '1,2,3,4,6,8,10' },
      steady: { type: 'string', default: '15' },
      ramp: { type: 'string', default: '3' },
      spike: { type: 'string', default: '12' },
      'spike-sessions': { type: 'string' },
      prebuffer: { type: 'string', default: '150' },
      streamed: { type: 'string', default: '0.3' },
      cancelled: { type: 'string', default: '0.15' },
      'stop-after': { type: 'string', default: '1' },
      workers: { type: 'string' },
      'max-queue-wait-ms': { type: 'string' },
      'max-active': { type: 'string' },
      server: { type: 'string' },
      token: { type: 'string' },
      out: { type: 'string', default: join('runs', 'load') },
    },
  });
  const levels = values.levels!.split(',').map((s) => positive(s, '--levels'));
  const env: Record<string, string> = {};
  if (values['max-queue-wait-ms'] !== undefined) env.CLONECAST_MAX_QUEUE_WAIT_MS = String(positive(values['max-queue-wait-ms'], '--max-queue-wait-ms'));
  const workers = values.workers === undefined ? undefined : positive(values.workers, '--workers');
  const common = {
    rampSeconds: positive(values.ramp!, '--ramp'),
    steadySeconds: positive(values.steady!, '--steady'),
    spikeSeconds: positive(values.spike!, '--spike'),
    stopAfterFailedLevels: positive(values['stop-after']!, '--stop-after'),
    streamedShare: share(values.streamed!, '--streamed'),
    cancelledShare: share(values.cancelled!, '--cancelled'),
    prebufferMs: Number(values.prebuffer),
    headers: values.token === undefined ? undefined : { Authorization: `Bearer ${values.token}` },
    log: (line: string) => process.stderr.write(`load: ${line}\n`),
  };
  const spikeOption = values['spike-sessions'] === undefined ? undefined : positive(values['spike-sessions'], '--spike-sessions');
  let report: LoadReport;
  if (values.server !== undefined) {
    // An external server keeps its own maxActiveUtterances: levels and spike against it as it is.
    report = await runLoad({ server: externalServer(values.server), levels, spikeSessions: spikeOption ?? 'twice-knee', ...common });
  } else {
    // Knee search with admission wide open (every level's sessions may play), then the spike
    // against a fresh server admitting only the knee (--max-active overrides): the overload case.
    const open = await spawnServer({ workers, env: { ...env, CLONECAST_MAX_ACTIVE_UTTERANCES: String(Math.max(...levels)) } });
    let levelsReport: LoadReport;
    try {
      levelsReport = await runLoad({ server: open, levels, spikeSessions: 0, ...common });
    } finally {
      await open.stop();
    }
    const admit = values['max-active'] !== undefined ? positive(values['max-active'], '--max-active') : Math.max(levelsReport.knee, 1);
    const capped = await spawnServer({ workers, env: { ...env, CLONECAST_MAX_ACTIVE_UTTERANCES: String(admit) } });
    try {
      const spike = await runLoad({ server: capped, levels: [], spikeSessions: spikeOption ?? 2 * admit, ...common });
      report = {
        ...levelsReport,
        options: { ...levelsReport.options, spikeSessions: spikeOption ?? 2 * admit, spikeMaxActiveUtterances: admit },
        phases: [...levelsReport.phases, ...spike.phases],
        rssMb: levelsReport.rssMb,
      };
    } finally {
      await capped.stop();
    }
  }
  const table = formatTable(report);
  process.stdout.write(`${table}\n`);
  mkdirSync(values.out!, { recursive: true });
  const stem = join(values.out!, `load-${report.startedAt.replace(/[:.]/g, '-')}`);
  writeFileSync(`${stem}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${stem}.html`, formatHtml(report));
  process.stdout.write(`wrote ${stem}.json and ${stem}.html\n`);
}

function positive(text: string, name: string): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number, got "${text}"`);
  return v;
}

function share(text: string, name: string): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v < 0 || v > 1) throw new Error(`${name} must be in 0..1, got "${text}"`);
  return v;
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`load: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
