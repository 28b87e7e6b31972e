/**
 * The browser toolbox in a real browser: Debian's chromium driven by playwright-core, a fake
 * microphone playing the reference WAV, a real server with real models. Enroll (microphone, a
 * dropped file), save, map the saved voices, speak, check decoded audio reached the playout
 * worklet and both mel pictures were drawn, cancel, pick a saved voice; screenshot under test-artifacts/. Skipped (with a message) only when /usr/bin/chromium is absent.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../server/serverFixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const REFERENCE = fileURLToPath(new URL('../../../test/fixtures/audio/reference_16k.wav', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run',
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${REFERENCE}`,
];

/** What the page exposes as window.clonecastToolbox.stats (src/client/static/app.js). */
interface ToolboxStats {
  output: 'opus' | 'pcm';
  captureFrames: number;
  levelPeak: number;
  framesReceived: number;
  framesDecoded: number;
  framesDropped: number;
  samplesToWorklet: number;
  worklet: { received: number; played: number; dropped: number; underruns: number; flushed: number; buffered: number; jitterMs: number } | null;
  workletReports: number;
  utterances: { id: string; outcome: string; frames: number; firstFrameMs: number | null; ttfaMs: number; rtf: number }[];
}

/** A voice as the page keeps it in localStorage (src/client/static/app.js). */
interface SavedVoice {
  id: string;
  name: string;
  embedding?: number[];
}

const SAVED = `JSON.parse(localStorage.getItem('clonecast.voices') ?? '[]')`;

function assertUnitVector(v: number[] | undefined, what: string): void {
  assert.ok(Array.isArray(v) && v.length === 256, `${what}: a 256-d vector`);
  const norm = Math.hypot(...v!);
  assert.ok(Math.abs(norm - 1) < 1e-4, `${what}: norm ${norm}`);
}

/** Pixels of the voice map's red dots (src/client/static/pca.js draws them #c33 on #fafafa). */
function mapDotPixels(page: Page): Promise<number> {
  return page.evaluate(() => {
    const canvas = document.getElementById('voice-map') as HTMLCanvasElement;
    const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i] > 180 && pixels[i + 1] < 90) n++;
    return n;
  });
}

/**
 * How much of a mel-spectrogram canvas was painted: `opaque` pixels (an undrawn canvas is
 * transparent) and `lit` ones (brighter than the #111 background: energy in that band and frame).
 */
function melPixels(page: Page, id: string): Promise<{ total: number; opaque: number; lit: number }> {
  return page.evaluate((canvasId) => {
    const canvas = document.getElementById(canvasId) as HTMLCanvasElement;
    const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let opaque = 0;
    let lit = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      if (pixels[i + 3] === 255) opaque++;
      if (pixels[i] > 60) lit++;
    }
    return { total: pixels.length / 4, opaque, lit };
  }, id);
}

/** The picture of speech: every pixel painted, and both loud and quiet regions (not one flat colour). */
async function assertMelDrawn(page: Page, id: string): Promise<void> {
  const { total, opaque, lit } = await melPixels(page, id);
  assert.is(opaque, total, `${id}: every pixel painted`);
  assert.ok(lit > 0.05 * total && lit < 0.95 * total, `${id}: ${lit} of ${total} pixels show energy`);
}

let ts: TestServer;
let base: string;

test.before(async () => {
  ts = await startTestServer();
  base = `http://127.0.0.1:${ts.server.port}`;
});

test.after(async () => {
  await ts.stop();
});

/** Raw GET (no URL normalisation, so `..` reaches the server as sent). */
function rawGet(path: string): Promise<{ status: number; type: string | undefined }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port: ts.server.port, path }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] });
    })
      .on('error', reject)
      .end();
  });
}

test('the server serves the toolbox modules by plain name only', async () => {
  const page = await rawGet('/');
  assert.is(page.status, 200);
  for (const name of ['app.js', 'session.js', 'capture-worklet.js', 'playout-worklet.js', 'spectrogram.js']) {
    const res = await rawGet(`/static/${name}`);
    assert.is(res.status, 200, name);
    assert.match(res.type ?? '', 'text/javascript');
  }
  assert.is((await rawGet('/static/toolbox.css')).status, 200);
  for (const path of ['/static/../server/http.js', '/static/..%2F..%2Fpackage.json', '/static/.hidden.js', '/static/index.html', '/static/missing.js']) {
    assert.is((await rawGet(path)).status, 404, path);
  }
});

if (!existsSync(CHROMIUM)) {
  console.warn(`browser toolbox test SKIPPED: ${CHROMIUM} is absent (apt-get install chromium; scripts/setup-test-deps.sh)`);
  test.skip('toolbox in chromium: enroll, save, map, speak, playout, cancel, pick a voice', () => undefined);
} else {
  test('toolbox in chromium: enroll, save, map, speak, playout, cancel, pick a voice', async () => {
    const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
    const errors: string[] = [];
    try {
      const page: Page = await browser.newPage({ viewport: { width: 900, height: 1000 } });
      page.on('pageerror', (e) => errors.push(e.message));
      const stats = (): Promise<ToolboxStats> => page.evaluate(() => (window as unknown as { clonecastToolbox: { stats: ToolboxStats } }).clonecastToolbox.stats);
      const until = (fn: string, arg?: unknown) => page.waitForFunction(fn, arg, { timeout: 60000, polling: 50 });
      const STATS = '(window.clonecastToolbox.stats)';

      await page.goto(`${base}/`);
      await page.waitForSelector('#connection[data-state="connected"]', { timeout: 20000 });

      // Enroll from the fake microphone, watching the embedding converge.
      await page.click('#record');
      await until(`Number(document.getElementById('windows').textContent) >= 3`);
      const stability = await page.textContent('#stability');
      assert.ok(Number(stability) > 0 && Number(stability) <= 1, `stability ${stability}`);
      await page.click('#stop');
      await until(`document.getElementById('message').textContent.startsWith('voice ready')`);
      let s = await stats();
      assert.ok(s.captureFrames >= 160, `${s.captureFrames} 20 ms microphone frames streamed`);
      assert.ok(s.levelPeak > 0.3, `level meter peaked at ${s.levelPeak}`);
      await assertMelDrawn(page, 'reference-mel');

      // Save it: the browser keeps the list, each voice with the vector the server sent.
      await page.fill('#voice-name', 'browser test');
      await page.click('#save');
      await until(`document.querySelectorAll('#voice-list option').length === 1`);
      let stored = (await page.evaluate(SAVED)) as SavedVoice[];
      assert.is(stored.length, 1);
      assert.is(stored[0].name, 'browser test');
      assert.match(stored[0].id, /^[A-Za-z0-9_-]{21}$/);
      assertUnitVector(stored[0].embedding, 'microphone voice');
      assert.match((await page.textContent('#map-note')) ?? '', /^1 voices on the map/);

      // A second voice, enrolled from the reference file dropped on the page: the map shows both real voices.
      const dropped = await page.evaluateHandle((base64) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], 'dropped.wav', { type: 'audio/wav' }));
        return transfer;
      }, readFileSync(REFERENCE).toString('base64'));
      await page.dispatchEvent('body', 'drop', { dataTransfer: dropped });
      await until(`document.getElementById('message').textContent.startsWith('voice ready')`); // it said "saved voice" before
      assert.ok(Number(await page.textContent('#windows')) >= 4, 'the dropped 5 s file completes at least 4 windows');
      await page.fill('#voice-name', 'file voice');
      await page.click('#save');
      await until(`document.querySelectorAll('#voice-list option').length === 2`);
      stored = (await page.evaluate(SAVED)) as SavedVoice[];
      assert.equal(stored.map((v) => v.name), ['browser test', 'file voice']);
      assertUnitVector(stored[1].embedding, 'file voice');
      const same = stored[0].embedding!.reduce((sum, x, i) => sum + x * stored[1].embedding![i], 0);
      console.log('toolbox: cosine between the microphone and the file enrollment of one speaker', same.toFixed(3));
      assert.ok(same > 0.7 && same < 0.99999, `one speaker through two paths: close, not identical (cosine ${same})`);
      assert.match((await page.textContent('#map-note')) ?? '', /^2 voices on the map/);
      const dots = await mapDotPixels(page);
      assert.ok(dots > 20, `${dots} map dot pixels`);

      // Speak: every frame is decoded and every decoded sample is played by the worklet.
      await page.fill('#text', 'Hello there. This is my cloned voice, speaking from the browser.');
      await page.click('#speak');
      await until(`${STATS}.utterances.length === 1`);
      await until(`${STATS}.worklet && ${STATS}.worklet.played === ${STATS}.samplesToWorklet && ${STATS}.worklet.buffered === 0`);
      s = await stats();
      const first = s.utterances[0];
      console.log('toolbox first utterance', JSON.stringify({ ...first, worklet: s.worklet }));
      assert.is(s.output, 'opus', 'this chromium decodes Opus with WebCodecs');
      assert.is(first.outcome, 'completed');
      assert.ok(first.frames > 20, `${first.frames} frames`);
      assert.is(s.framesReceived, first.frames);
      assert.is(s.framesDecoded, first.frames);
      assert.is(s.samplesToWorklet, first.frames * 960, '20 ms at 48 kHz per frame');
      assert.is(s.worklet!.played, s.samplesToWorklet);
      assert.ok(first.firstFrameMs !== null && first.rtf > 0);
      assert.match((await page.textContent('#figures')) ?? '', /completed · first frame \d+ ms here .* RTF [\d.]+/);
      await assertMelDrawn(page, 'output-mel');

      // Barge-in: cancel while playing; nothing more reaches the output afterwards.
      const long = 'This is a much longer text. It has several sentences, so it plays for a while. We will cancel it before it ends. Nobody should hear this last part.';
      await page.fill('#text', long);
      const playedBefore = s.worklet!.played;
      await page.click('#speak');
      await until(`${STATS}.worklet.played > ${playedBefore + 9600}`);
      await page.click('#cancel');
      await until(`${STATS}.utterances.length === 2`);
      s = await stats();
      assert.is(s.utterances[1].outcome, 'cancelled');
      const afterCancel = { played: s.worklet!.played, toWorklet: s.samplesToWorklet, reports: s.workletReports };
      await until(`${STATS}.workletReports >= ${afterCancel.reports + 5}`);
      s = await stats();
      assert.is(s.worklet!.buffered, 0, 'flushed');
      assert.is(s.worklet!.played, afterCancel.played, 'no samples played after cancel');
      assert.is(s.samplesToWorklet, afterCancel.toWorklet, 'no samples queued after cancel');
      assert.ok(s.worklet!.played < s.worklet!.received, 'cancel dropped queued audio');

      // A text the server refuses is reported, and the page can speak again.
      await page.fill('#text', '...');
      await page.click('#speak');
      await until(`document.getElementById('message').textContent.startsWith('error no_speakable_text')`);
      assert.ok(await page.isDisabled('#cancel'), 'nothing to cancel');

      // Pick the first saved voice in a new session and speak with it. Its stored vector is dropped
      // first (as a page from before vectors would have it): start {voice} brings the same one back.
      await page.evaluate(`localStorage.setItem('clonecast.voices', JSON.stringify(${SAVED}.map((v, i) => (i === 0 ? { id: v.id, name: v.name } : v))))`);
      await page.selectOption('#voice-list', stored[0].id);
      await page.click('#use');
      await until(`document.getElementById('message').textContent.startsWith('using voice ${stored[0].id}')`);
      const reloaded = (await page.evaluate(SAVED)) as SavedVoice[];
      assert.equal(reloaded[0].embedding, stored[0].embedding, 'the reloaded voice carries the vector it was saved with');
      await page.fill('#text', 'Back again.');
      await page.click('#speak');
      await until(`${STATS}.utterances.length === 3`);
      assert.is((await stats()).utterances[2].outcome, 'completed');

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: `${ARTIFACTS}toolbox.png`, fullPage: true });
      assert.equal(errors, [], 'no page errors');
    } finally {
      await browser.close();
    }
  });

  test('without WebCodecs: enrolls from a chosen file and plays PCM output through the worklet', async () => {
    const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
    const errors: string[] = [];
    try {
      const page: Page = await browser.newPage();
      page.on('pageerror', (e) => errors.push(e.message));
      await page.addInitScript(() => delete (window as { AudioDecoder?: unknown }).AudioDecoder);
      const until = (fn: string) => page.waitForFunction(fn, undefined, { timeout: 60000, polling: 50 });
      const STATS = '(window.clonecastToolbox.stats)';
      await page.goto(`${base}/`);
      await page.waitForSelector('#connection[data-state="connected"]', { timeout: 20000 });

      assert.match((await page.textContent('#map-note')) ?? '', /^No map yet/);
      assert.is(await mapDotPixels(page), 0, 'no saved voices, no dots');

      await page.setInputFiles('#file', REFERENCE);
      await until(`document.getElementById('message').textContent.startsWith('voice ready')`);
      assert.ok(Number(await page.textContent('#windows')) >= 4, 'a 5 s file completes at least 4 windows');

      await page.click('#speak');
      await until(`${STATS}.utterances.length === 1`);
      await until(`${STATS}.worklet && ${STATS}.worklet.played === ${STATS}.samplesToWorklet && ${STATS}.worklet.buffered === 0`);
      const s = await page.evaluate(() => (window as unknown as { clonecastToolbox: { stats: ToolboxStats } }).clonecastToolbox.stats);
      assert.is(s.output, 'pcm');
      assert.is(s.utterances[0].outcome, 'completed');
      assert.is(s.framesDecoded, s.utterances[0].frames);
      assert.is(s.samplesToWorklet, s.utterances[0].frames * 960, 'PCM 48 kHz: 960 samples per frame');
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: `${ARTIFACTS}toolbox-pcm.png`, fullPage: true });
      assert.equal(errors, [], 'no page errors');
    } finally {
      await browser.close();
    }
  });

  test('after an idle close the page reconnects and reloads the saved voice', async () => {
    const idle = await startTestServer({ limits: { idleTimeoutMs: 1500 } });
    const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
    try {
      const page: Page = await browser.newPage();
      const until = (fn: string) => page.waitForFunction(fn, undefined, { timeout: 60000, polling: 50 });
      await page.goto(`http://127.0.0.1:${idle.server.port}/`);
      await page.waitForSelector('#connection[data-state="connected"]', { timeout: 20000 });
      const firstSession = await page.textContent('#connection');
      await page.setInputFiles('#file', REFERENCE);
      await until(`document.getElementById('message').textContent.startsWith('voice ready')`);
      await page.click('#save');
      await until(`document.querySelectorAll('#voice-list option').length === 1`);
      const id = await page.inputValue('#voice-list');
      // No client message for 1.5 s: the server closes with 4000; the page comes back with the voice.
      await until(`document.getElementById('message').textContent === 'using voice ${id}'`);
      assert.is.not(await page.textContent('#connection'), firstSession, 'a new session');
      await page.click('#speak');
      await until(`window.clonecastToolbox.stats.utterances.length === 1`);
      assert.is((await page.evaluate(() => (window as unknown as { clonecastToolbox: { stats: ToolboxStats } }).clonecastToolbox.stats)).utterances[0].outcome, 'completed');
    } finally {
      await browser.close();
      await idle.stop();
    }
  });
}

test.run();
