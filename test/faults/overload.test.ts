/**
 * Overload: past `maxActiveUtterances` the excess utterance is refused at once with `busy` (an
 * `error` with its id, then `done {outcome:"failed", code:"busy"}`), the admitted one plays to
 * the end untouched (byte-identical to its solo run, seeded), and the slot is reusable after.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { saveReferenceVoice, startTestServer } from '../server/serverFixtures.js';
import { TestClient } from '../server/wsTestClient.js';

const TEXT = 'This sentence is long enough to keep the only slot busy for a while. And one more after it.';

test('past maxActiveUtterances the excess is refused with busy; the admitted stream is untouched', async () => {
  const ts = await startTestServer({ workers: 2, limits: { maxActiveUtterances: 1 } });
  try {
    const voice = await saveReferenceVoice(ts.server.port);

    const open = async () => {
      const c = await TestClient.connect(ts.server.port);
      c.json({ type: 'start', voice, output: { format: 'pcm', sampleRate: 16000 } });
      await c.next('started');
      return c;
    };
    const bytes = (c: TestClient, u: number) => Buffer.concat(c.frames(u).map((f) => Buffer.from(f.payload)));

    const solo = await open();
    solo.json({ type: 'speak', id: 'a', text: TEXT, seed: 5 });
    assert.is((await solo.next('done')).outcome, 'completed');
    const alone = bytes(solo, 0);

    const admitted = await open();
    const excess = await open();
    admitted.json({ type: 'speak', id: 'a', text: TEXT, seed: 5 });
    await admitted.until(() => admitted.frames(0).length > 0);
    excess.json({ type: 'speak', id: 'x', text: 'Me too, please.' });
    const refusal = await excess.nextError();
    assert.equal([refusal.code, refusal.id], ['busy', 'x']);
    const refusedDone = await excess.next('done');
    assert.equal([refusedDone.outcome, refusedDone.code, refusedDone.frames], ['failed', 'busy', 0]);
    assert.is(admitted.all('done').length, 0, 'the refusal came while the admitted utterance was still playing');

    assert.is((await admitted.next('done')).outcome, 'completed');
    assert.ok(bytes(admitted, 0).equals(alone), 'the admitted stream is byte-identical to its solo run');
    excess.json({ type: 'speak', id: 'y', text: 'Now there is room.' });
    assert.is((await excess.next('done')).outcome, 'completed');
    for (const c of [solo, admitted, excess]) c.close();
  } finally {
    await ts.stop();
  }
});

test.run();
