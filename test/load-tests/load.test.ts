/**
 * The CI-sized load run: a real server (in process), a few real sessions through the real load
 * generator (enroll, speak whole / streamed / cancelled), levels 1 and 2 plus a spike of 3, and the
 * report's outputs. Asserts what the run must produce, never how fast it was (that is `npm run load`).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatHtml, formatTable } from '../../load-tests/loadReport.js';
import { runLoad } from '../../load-tests/loadRun.js';
import { externalServer } from '../../load-tests/serverUnderTest.js';
import { startTestServer } from '../server/serverFixtures.js';

test('a small load run measures every level and the spike, and reports them', async () => {
  const ts = await startTestServer({ workers: 2 });
  try {
    const report = await runLoad({
      server: externalServer(`http://127.0.0.1:${ts.server.port}`),
      levels: [1, 2],
      rampSeconds: 1,
      steadySeconds: 7, // longer than one utterance (two sentences, ~5 s played out): every level sees starts
      spikeSessions: 3,
      spikeSeconds: 3,
      stopAfterFailedLevels: 5,
      streamedShare: 0.4,
      cancelledShare: 0.3,
      prebufferMs: 60,
      log: () => {},
    });
    assert.equal(report.phases.map((p) => [p.phase, p.sessions]), [['level-1', 1], ['level-2', 2], ['spike-3', 3]]);
    for (const p of report.phases) {
      assert.ok(p.utterances > 0, `${p.phase} measured utterances`);
      assert.ok(p.ttfaMs.p50 !== null && p.ttfaMs.p50 > 0, `${p.phase} has a time to first audio`);
      assert.ok(p.audioPerSecond > 0);
      assert.ok(p.serverRssMb !== null && p.serverRssMb > 0, `${p.phase} sampled the server's memory`);
      assert.not.ok('internal' in p.errors, `${p.phase}: internal errors ${JSON.stringify(p.errors)}`);
    }
    assert.ok(report.knee >= 0 && report.knee <= 2);
    const kinds = report.phases.flatMap((p) => Object.keys(p.byKind));
    assert.ok(kinds.includes('whole') && kinds.includes('streamed') && kinds.includes('cancelled'), `kinds ${kinds}`);
    assert.match(formatTable(report), /knee: \d+ concurrent sessions/);
    const html = formatHtml(report);
    assert.match(html, /<svg[^>]*>/);
    assert.not.match(html, /<script|src="http|href="http/, 'the chart page is self-contained');
    assert.equal(JSON.parse(JSON.stringify(report)).phases.length, 3);
    assert.is(ts.server.stats().sessions, 0, 'every load session closed');
  } finally {
    await ts.stop();
  }
});

test.run();
