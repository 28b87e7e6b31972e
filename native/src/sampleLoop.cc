#include "sampleLoop.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace clonecast {
namespace {

// exp(x) for float32 to ~2 ulp (Cephes' polynomial): branch-free so loops over it vectorise; libm's
// expf is a scalar call per element, which made softmax and gates two thirds of a sample's time.
inline float fastExp(float x) {
  x = std::min(88.0f, std::max(-87.0f, x));
  const float n = std::floor(x * 1.44269504088896341f + 0.5f);
  const float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

inline float sigmoid(float x) { return 1.0f / (1.0f + fastExp(-x)); }

// minGRU update of h (length H) from pre-activations x = [z_pre (H) | k (H)].
inline void minGru(const float* __restrict x, float* __restrict h, int H) {
  for (int j = 0; j < H; j++) {
    const float z = sigmoid(x[j]);
    const float k = x[H + j];
    const float s = sigmoid(k);
    const float g = k >= 0.0f ? k + 0.5f : s;
    h[j] = h[j] + z * (g - h[j]);
  }
}

// acc[b][o] += sum_i x[b][i] * W[i][o] for B rows of x (axpy form: each weight row is streamed once for all rows).
inline void matmulAcc(const float* __restrict x, int B, int in, const float* __restrict W, int out, float* __restrict acc) {
  for (int i = 0; i < in; i++) {
    const float* __restrict row = W + static_cast<size_t>(i) * out;
    for (int b = 0; b < B; b++) {
      const float v = x[b * in + i];
      float* __restrict a = acc + static_cast<size_t>(b) * out;
      for (int o = 0; o < out; o++) a[o] += v * row[o];
    }
  }
}

}  // namespace

void runSampleLoop(const LoopWeights& w, const float* cond, const float* uniform, int n, int streams,
                   float* h1, float* h2, int32_t* prev, int32_t* out) {
  const int H1 = w.hidden1, H2 = w.hidden2, FC = w.fc, C = w.classes, D = 2 * H1 + 2 * H2, B = streams;
  std::vector<float> x1(2 * H1), x2(static_cast<size_t>(B) * 2 * H2), f(static_cast<size_t>(B) * FC),
      logits(static_cast<size_t>(B) * C);
  for (int t = 0; t < n; t++) {
    const float* c = cond + static_cast<size_t>(t) * B * D;
    // Layer 1: input-only gates, no matrix product (the previous sample enters through E).
    for (int b = 0; b < B; b++) {
      const float* cb = c + static_cast<size_t>(b) * D;
      const float* e = w.embed.data() + static_cast<size_t>(prev[b]) * 2 * H1;
      for (int j = 0; j < 2 * H1; j++) x1[j] = cb[j] + e[j];
      minGru(x1.data(), h1 + static_cast<size_t>(b) * H1, H1);
      std::copy(cb + 2 * H1, cb + D, x2.data() + static_cast<size_t>(b) * 2 * H2);
    }
    // Layer 2: x2 = cond2 + h1 W2.
    matmulAcc(h1, B, H1, w.w2.data(), 2 * H2, x2.data());
    for (int b = 0; b < B; b++) minGru(x2.data() + static_cast<size_t>(b) * 2 * H2, h2 + static_cast<size_t>(b) * H2, H2);
    // Output: relu(h2 Wo1 + bo1) Wo2 + bo2.
    for (int b = 0; b < B; b++) std::copy(w.fc1b.begin(), w.fc1b.end(), f.begin() + static_cast<size_t>(b) * FC);
    matmulAcc(h2, B, H2, w.fc1w.data(), FC, f.data());
    for (auto& v : f) v = v > 0.0f ? v : 0.0f;
    for (int b = 0; b < B; b++) std::copy(w.fc2b.begin(), w.fc2b.end(), logits.begin() + static_cast<size_t>(b) * C);
    matmulAcc(f.data(), B, FC, w.fc2w.data(), C, logits.data());
    // Inverse-CDF sampling on the softmax, as the ONNX graph: first class whose cumulative probability reaches u.
    for (int b = 0; b < B; b++) {
      float* l = logits.data() + static_cast<size_t>(b) * C;
      float mx = l[0];
      for (int j = 1; j < C; j++) mx = std::max(mx, l[j]);
      float sum = 0.0f;
      for (int j = 0; j < C; j++) l[j] = fastExp(l[j] - mx);
      for (int j = 0; j < C; j++) sum += l[j];
      const float inv = 1.0f / sum;
      const float u = uniform[static_cast<size_t>(t) * B + b];
      float cdf = 0.0f;
      int cls = C - 1;
      for (int j = 0; j < C; j++) {
        cdf += l[j] * inv;
        if (!(cdf < u)) {
          cls = j;
          break;
        }
      }
      prev[b] = cls;
      out[static_cast<size_t>(t) * B + b] = cls;
    }
  }
}

}  // namespace clonecast
