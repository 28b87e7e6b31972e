/**
 * The load run's report: per-phase figures from utterance records and server samples, the knee,
 * a text table, and a self-contained HTML page with SVG charts (no scripts, no outside files).
 */
import type { UtteranceRecord } from './loadSession.js';
import type { ServerSample } from './serverUnderTest.js';
import { countBy, percentile } from './loadStats.js';

/** Frames (20 ms each) counted as an utterance's start when telling start-up gaps from later ones. */
export const STARTUP_FRAMES = 10;

/** Figures of one phase (a concurrency level held steady, or the spike). */
export interface PhaseSummary {
  readonly phase: string;
  /** Concurrent sessions during the phase. */
  readonly sessions: number;
  readonly seconds: number;
  readonly utterances: number;
  readonly byKind: Record<string, number>;
  readonly ttfaMs: { readonly p50: number | null; readonly p95: number | null; readonly p99: number | null };
  /** Server `done.rtf` of completed utterances (1 = production took as long as the audio lasts). */
  readonly rtf: { readonly p50: number | null; readonly p95: number | null };
  /** Completed or streamed utterances with at least one gap at the 20 ms playout clock. */
  readonly utterancesWithUnderrun: number;
  readonly underruns: number;
  /** Underruns in an utterance's first STARTUP_FRAMES frames (the pipeline's ramp-up), of `underruns`. */
  readonly startupUnderruns: number;
  /** Failed utterances and session errors, by code. */
  readonly errors: Record<string, number>;
  /** Refusals (failed utterances): speak -> error, ms. */
  readonly refusalMs: { readonly p50: number | null; readonly p95: number | null };
  /** Seconds of audio delivered per wall second (all sessions). */
  readonly audioPerSecond: number;
  /** Server CPU, percent of one core, averaged over the phase. */
  readonly serverCpuPercent: number | null;
  readonly serverRssMb: number | null;
  /** In real time: no underrun and no failed utterance. */
  readonly realTime: boolean;
  /** The admitted utterances kept real time (no underrun, no failure other than `busy` refusals): the overload goal. */
  readonly admittedInRealTime: boolean;
}

export interface LoadReport {
  readonly machine: string;
  readonly startedAt: string;
  readonly options: Record<string, unknown>;
  readonly phases: PhaseSummary[];
  /** Most concurrent sessions of a level phase that stayed in real time (0: none did). */
  readonly knee: number;
  readonly rssMb: { readonly first: number | null; readonly last: number | null; readonly max: number | null };
}

export function summarizePhase(
  phase: string,
  sessions: number,
  from: number,
  to: number,
  records: readonly UtteranceRecord[],
  sessionErrors: readonly string[],
  samples: readonly ServerSample[],
): PhaseSummary {
  const mine = records.filter((r) => r.phase === phase);
  const played = mine.filter((r) => r.kind !== 'cancelled' && r.outcome === 'completed');
  const failed = mine.filter((r) => r.outcome === 'failed' || r.outcome === 'lost');
  const ttfa = mine.flatMap((r) => (r.ttfaMs === null ? [] : [r.ttfaMs]));
  const rtf = played.flatMap((r) => (r.serverRtf === null ? [] : [r.serverRtf]));
  const refusals = failed.flatMap((r) => (r.errorAfterMs === null ? [] : [r.errorAfterMs]));
  const within = samples.filter((s) => s.at >= from && s.at <= to);
  const first = within[0];
  const last = within[within.length - 1];
  const cpu = first && last && last.at > first.at ? ((last.cpuSeconds - first.cpuSeconds) / ((last.at - first.at) / 1000)) * 100 : null;
  const seconds = (to - from) / 1000;
  const withUnderrun = played.filter((r) => r.underruns > 0).length;
  const errors = countBy([...failed.map((r) => r.code ?? r.outcome), ...sessionErrors]);
  return {
    phase,
    sessions,
    seconds: round(seconds) ?? 0,
    utterances: mine.length,
    byKind: countBy(mine.map((r) => r.kind)),
    ttfaMs: { p50: round(percentile(ttfa, 50)), p95: round(percentile(ttfa, 95)), p99: round(percentile(ttfa, 99)) },
    rtf: { p50: round(percentile(rtf, 50), 3), p95: round(percentile(rtf, 95), 3) },
    utterancesWithUnderrun: withUnderrun,
    underruns: played.reduce((n, r) => n + r.underruns, 0),
    startupUnderruns: played.reduce((n, r) => n + r.lateFrames.filter((k) => k < STARTUP_FRAMES).length, 0),
    errors,
    refusalMs: { p50: round(percentile(refusals, 50)), p95: round(percentile(refusals, 95)) },
    audioPerSecond: round(mine.reduce((s, r) => s + r.audioSeconds, 0) / Math.max(seconds, 1e-9), 2)!,
    serverCpuPercent: round(cpu),
    serverRssMb: last ? round(Math.max(...within.map((s) => s.rssBytes)) / 2 ** 20) : null,
    realTime: played.length > 0 && withUnderrun === 0 && failed.length === 0 && sessionErrors.length === 0,
    admittedInRealTime: played.length > 0 && withUnderrun === 0 && Object.keys(errors).every((code) => code === 'busy'),
  };
}

/** The knee: the most sessions of a passing level such that every lower level passed too. */
export function findKnee(levels: readonly PhaseSummary[]): number {
  let knee = 0;
  for (const level of [...levels].sort((a, b) => a.sessions - b.sessions)) {
    if (!level.realTime) break;
    knee = level.sessions;
  }
  return knee;
}

export function formatTable(report: LoadReport): string {
  const head = ['phase', 'sess', 'utts', 'ttfa p50', 'p95', 'p99 ms', 'rtf p50', 'p95', 'underrun utts', 'audio s/s', 'cpu %', 'rss MB', 'errors', 'real time', 'admitted in real time'];
  const rows = report.phases.map((p) => [
    p.phase, p.sessions, p.utterances, p.ttfaMs.p50, p.ttfaMs.p95, p.ttfaMs.p99, p.rtf.p50, p.rtf.p95,
    `${p.utterancesWithUnderrun} (${p.underruns} gaps, ${p.startupUnderruns} at start)`, p.audioPerSecond, p.serverCpuPercent, p.serverRssMb,
    Object.entries(p.errors).map(([k, v]) => `${k}:${v}`).join(' ') || '-', p.realTime ? 'yes' : 'NO', p.admittedInRealTime ? 'yes' : 'NO',
  ].map((v) => (v === null ? '-' : String(v))));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  return [line(head), ...rows.map(line), '', `knee: ${report.knee} concurrent sessions in real time with no underrun (${report.machine})`].join('\n');
}

/** A self-contained HTML page: latency and throughput against concurrency, as inline SVG. */
export function formatHtml(report: LoadReport): string {
  const levels = report.phases.filter((p) => p.phase.startsWith('level'));
  const chart = (title: string, series: { name: string; color: string; points: [number, number | null][] }[], yLabel: string) => {
    const W = 560, H = 300, L = 60, B = 40, T = 30, R = 20;
    const xs = levels.map((p) => p.sessions);
    const ys = series.flatMap((s) => s.points.flatMap(([, y]) => (y === null ? [] : [y])));
    const xMax = Math.max(1, ...xs), yMax = Math.max(1e-9, ...ys) * 1.1;
    const px = (x: number) => L + (x / xMax) * (W - L - R);
    const py = (y: number) => H - B - (y / yMax) * (H - B - T);
    const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * yMax);
    const grid = ticks.map((y) => `<line x1="${L}" x2="${W - R}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/><text x="${L - 6}" y="${py(y) + 4}" text-anchor="end" font-size="11">${fmt(y)}</text>`).join('');
    const xt = xs.map((x) => `<text x="${px(x)}" y="${H - B + 16}" text-anchor="middle" font-size="11">${x}</text>`).join('');
    const knee = report.knee > 0 ? `<line x1="${px(report.knee)}" x2="${px(report.knee)}" y1="${T}" y2="${H - B}" stroke="#999" stroke-dasharray="4 3"/><text x="${px(report.knee) + 4}" y="${T + 12}" font-size="11">knee ${report.knee}</text>` : '';
    const lines = series.map((s, i) => {
      const pts = s.points.filter(([, y]) => y !== null).map(([x, y]) => `${px(x)},${py(y!)}`);
      return `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.join(' ')}"/>` +
        pts.map((p) => `<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3" fill="${s.color}"/>`).join('') +
        `<text x="${W - R - 4}" y="${T + 14 + i * 14}" text-anchor="end" font-size="11" fill="${s.color}">${escapeHtml(s.name)}</text>`;
    }).join('');
    return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img">` +
      `${grid}${xt}${knee}${lines}<text x="${(L + W - R) / 2}" y="${H - 6}" text-anchor="middle" font-size="12">concurrent sessions</text>` +
      `<text x="14" y="${(T + H - B) / 2}" font-size="12" transform="rotate(-90 14 ${(T + H - B) / 2})" text-anchor="middle">${escapeHtml(yLabel)}</text></svg></figure>`;
  };
  const latency = chart('Time to first audio (client)', [
    { name: 'p50', color: '#1b7837', points: levels.map((p) => [p.sessions, p.ttfaMs.p50]) },
    { name: 'p95', color: '#d95f02', points: levels.map((p) => [p.sessions, p.ttfaMs.p95]) },
    { name: 'p99', color: '#7570b3', points: levels.map((p) => [p.sessions, p.ttfaMs.p99]) },
  ], 'ms');
  const throughput = chart('Throughput and server CPU', [
    { name: 'audio seconds per second', color: '#1f78b4', points: levels.map((p) => [p.sessions, p.audioPerSecond]) },
    { name: 'rtf p95 (server)', color: '#e31a1c', points: levels.map((p) => [p.sessions, p.rtf.p95]) },
  ], 'audio s/s, rtf');
  const cpu = chart('Server CPU (% of one core) and utterances with underruns', [
    { name: 'cpu %', color: '#6a3d9a', points: levels.map((p) => [p.sessions, p.serverCpuPercent]) },
    { name: 'underrun utterances x10', color: '#b15928', points: levels.map((p) => [p.sessions, p.utterancesWithUnderrun * 10]) },
  ], 'percent / count');
  return `<!doctype html><html><head><meta charset="utf-8"><title>clonecast load ${escapeHtml(report.startedAt)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1200px}figure{display:inline-block;margin:1em}pre{background:#f6f6f6;padding:1em;overflow:auto}</style></head>
<body><h1>clonecast load run</h1><p>${escapeHtml(report.machine)} &middot; ${escapeHtml(report.startedAt)} &middot; knee: <b>${report.knee}</b> concurrent sessions in real time with no underrun</p>
${latency}${throughput}${cpu}<h2>Table</h2><pre>${escapeHtml(formatTable(report))}</pre>
<h2>Options</h2><pre>${escapeHtml(JSON.stringify(report.options, null, 2))}</pre></body></html>\n`;
}

function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function round(v: number | null, digits = 1): number | null {
  if (v === null || !Number.isFinite(v)) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
