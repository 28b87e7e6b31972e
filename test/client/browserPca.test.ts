/** The toolbox's voice map math (src/client/static/pca.js, a plain browser module with no DOM use). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';

type Pca2 = (vectors: number[][]) => [number, number][];
const { pca2 } = (await import(new URL('../../../src/client/static/pca.js', import.meta.url).href)) as { pca2: Pca2 };

/** Deterministic pseudo-random numbers in [-1, 1). */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 31) - 1;
}

const dist = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1]);

test('two clusters of 256-d voices land apart on the map, each tight', () => {
  const rand = noise(7);
  const centres = [0, 1].map(() => Array.from({ length: 256 }, rand));
  const vectors = [0, 1, 0, 1, 0, 1, 0, 1].map((c) => centres[c].map((x) => x + 0.05 * rand()));
  const points = pca2(vectors);
  const a = points.filter((_, i) => i % 2 === 0);
  const b = points.filter((_, i) => i % 2 === 1);
  const within = Math.max(...[a, b].flatMap((g) => g.flatMap((p) => g.map((q) => dist(p, q)))));
  const between = Math.min(...a.flatMap((p) => b.map((q) => dist(p, q))));
  assert.ok(between > 10 * within, `between ${between}, within ${within}`);
});

test('distances along the main axis are preserved; degenerate inputs give zeros', () => {
  const line = [0, 1, 3].map((t) => Array.from({ length: 8 }, (_, j) => t * (j + 1)));
  const points = pca2(line);
  const scale = Math.hypot(...Array.from({ length: 8 }, (_, j) => j + 1));
  assert.ok(Math.abs(dist(points[0], points[2]) - 3 * scale) < 1e-6);
  assert.ok(Math.abs(dist(points[0], points[1]) - scale) < 1e-6);
  for (const p of points) assert.ok(Math.abs(p[1]) < 1e-6, 'no second component on a line');
  assert.equal(pca2([[1, 2, 3]]), [[0, 0]]);
  assert.equal(pca2([]), []);
});

test.run();
