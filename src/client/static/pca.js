// 2-D map of voices: embeddings projected on their first two principal components. With few voices
// (n) and long vectors (d), the components come from the n x n Gram matrix of the centred vectors
// by power iteration: the projection of voice i on component k is u_k[i] * sqrt(lambda_k).

/** Projects `vectors` (arrays of equal length) to [x, y] points; fewer than 3 voices give 0s where undetermined. */
export function pca2(vectors) {
  const n = vectors.length;
  if (n === 0) return [];
  const d = vectors[0].length;
  const mean = new Float64Array(d);
  for (const v of vectors) for (let j = 0; j < d; j++) mean[j] += v[j] / n;
  const centred = vectors.map((v) => Float64Array.from(v, (x, j) => x - mean[j]));
  const gram = centred.map((a) => centred.map((b) => a.reduce((s, x, j) => s + x * b[j], 0)));
  const points = vectors.map(() => [0, 0]);
  for (let k = 0; k < 2; k++) {
    const { vector, value } = topEigen(gram);
    if (value <= 1e-12) break;
    for (let i = 0; i < n; i++) points[i][k] = vector[i] * Math.sqrt(value);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) gram[i][j] -= value * vector[i] * vector[j]; // deflate
  }
  return points;
}

/** Largest eigenpair of a symmetric positive semi-definite matrix (power iteration, fixed start). */
function topEigen(matrix) {
  const n = matrix.length;
  let vector = Array.from({ length: n }, (_, i) => 1 + i / n);
  let value = 0;
  for (let iteration = 0; iteration < 500; iteration++) {
    const next = matrix.map((row) => row.reduce((s, x, j) => s + x * vector[j], 0));
    const norm = Math.hypot(...next);
    if (norm === 0) return { vector, value: 0 };
    const settled = Math.abs(norm - value) <= 1e-12 * norm;
    vector = next.map((x) => x / norm);
    value = norm;
    if (settled) break;
  }
  return { vector, value };
}

/** Draws named points (from pca2) scaled to fit `canvas`. */
export function drawVoiceMap(canvas, points, names) {
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fafafa';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const span = Math.max(1e-9, ...points.flat().map(Math.abs));
  const margin = 40;
  ctx.font = '12px system-ui, sans-serif';
  points.forEach(([x, y], i) => {
    const px = canvas.width / 2 + (x / span) * (canvas.width / 2 - margin);
    const py = canvas.height / 2 - (y / span) * (canvas.height / 2 - margin / 2);
    ctx.fillStyle = '#c33';
    ctx.beginPath();
    ctx.arc(px, py, 4, 0, 2 * Math.PI);
    ctx.fill();
    ctx.fillStyle = '#222';
    ctx.fillText(names[i], px + 6, py + 4);
  });
}
