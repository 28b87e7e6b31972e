/**
 * Prometheus metrics of one server instance (docs/protocol.md, "Metrics"). Each server owns its
 * own registry, so several servers in one process (tests) never collide.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CloseCode, ERROR_CODES, type ErrorCode } from './errors.js';
import type { OutputFormatName, UtteranceOutcome } from './protocol.js';

export type Stage = 'embed' | 'synth' | 'vocode' | 'encode';

export interface ServerMetrics {
  readonly registry: Registry;
  /** Seconds from "could start" to the first frame sent. */
  readonly timeToFirstAudio: Histogram<'format'>;
  /** Production seconds / audio seconds per utterance. */
  readonly realTimeFactor: Histogram;
  /** Seconds spent in one stage call (embed per window batch, synth/vocode/encode per chunk). */
  readonly stageSeconds: Histogram<'stage'>;
  /** Seconds waited in a queue: `session` (utterance queue) or `inference` (worker pool). */
  readonly queueWait: Histogram<'queue'>;
  readonly activeSessions: Gauge;
  readonly utterances: Counter<'outcome'>;
  readonly framesSent: Counter<'format'>;
  /** Errors sent to clients by code, plus close reasons (`close_4000`, ...). */
  readonly errors: Counter<'code'>;
  observeStage(stage: Stage, seconds: number): void;
  countUtterance(outcome: UtteranceOutcome): void;
  countError(code: ErrorCode | `close_${number}`): void;
  countFrame(format: OutputFormatName): void;
}

const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 1, 2, 5];
const STAGE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const RTF_BUCKETS = [0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2, 4];

export function createServerMetrics(): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'clonecast_' });
  const registers = [registry];
  const timeToFirstAudio = new Histogram({
    name: 'clonecast_time_to_first_audio_seconds',
    help: 'Seconds from when an utterance could start to its first audio frame leaving the server',
    labelNames: ['format'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const realTimeFactor = new Histogram({
    name: 'clonecast_real_time_factor',
    help: 'Seconds spent producing an utterance divided by its audio seconds (below 1 is faster than real time)',
    buckets: RTF_BUCKETS,
    registers,
  });
  const stageSeconds = new Histogram({
    name: 'clonecast_stage_seconds',
    help: 'Seconds per pipeline stage call',
    labelNames: ['stage'] as const,
    buckets: STAGE_BUCKETS,
    registers,
  });
  const queueWait = new Histogram({
    name: 'clonecast_queue_wait_seconds',
    help: 'Seconds waited in the session utterance queue or the inference pool queue',
    labelNames: ['queue'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const activeSessions = new Gauge({ name: 'clonecast_active_sessions', help: 'Open WebSocket sessions', registers });
  const utterances = new Counter({
    name: 'clonecast_utterances_total',
    help: 'Utterances finished, by outcome',
    labelNames: ['outcome'] as const,
    registers,
  });
  const framesSent = new Counter({
    name: 'clonecast_frames_sent_total',
    help: 'Audio frames (20 ms) sent',
    labelNames: ['format'] as const,
    registers,
  });
  const errors = new Counter({
    name: 'clonecast_errors_total',
    help: 'Errors sent to clients and abnormal closes, by code',
    labelNames: ['code'] as const,
    registers,
  });
  // Start every known series at 0, so rates and alerts work before the first event.
  for (const outcome of ['completed', 'cancelled', 'failed'] as const) utterances.inc({ outcome }, 0);
  for (const code of ERROR_CODES) errors.inc({ code }, 0);
  for (const code of [CloseCode.idleTimeout, CloseCode.slowReader]) errors.inc({ code: `close_${code}` }, 0);
  return {
    registry,
    timeToFirstAudio,
    realTimeFactor,
    stageSeconds,
    queueWait,
    activeSessions,
    utterances,
    framesSent,
    errors,
    observeStage: (stage, seconds) => stageSeconds.observe({ stage }, seconds),
    countUtterance: (outcome) => utterances.inc({ outcome }),
    countError: (code) => errors.inc({ code }),
    countFrame: (format) => framesSent.inc({ format }),
  };
}
