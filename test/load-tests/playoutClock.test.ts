import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PlayoutClock } from '../../load-tests/playoutClock.js';

test('frames arriving at or ahead of the 20 ms clock play without a gap', () => {
  const clock = new PlayoutClock(20, 40);
  for (let k = 0; k < 50; k++) clock.arrive(1000 + k * 20 + 30); // steady, 30 ms late but inside the 40 ms prebuffer
  assert.is(clock.underruns, 0);
  const burst = new PlayoutClock(20, 0);
  for (let k = 0; k < 50; k++) burst.arrive(1000); // everything at once: ahead of the clock
  assert.is(burst.underruns, 0);
});

test('a late frame is one underrun with its gap; the clock restarts from it', () => {
  const clock = new PlayoutClock(20, 40);
  clock.arrive(0); // plays at 40
  clock.arrive(20); // due 60
  clock.arrive(150); // due 80: 70 ms gap, playback resumes at 150
  clock.arrive(170); // due 170: on time after the restart
  clock.arrive(300); // due 190: second gap of 110 ms
  assert.is(clock.underruns, 2);
  assert.is(clock.gapMs, 180);
});

test.run();
