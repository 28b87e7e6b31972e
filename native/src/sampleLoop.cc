#include "sampleLoop.h"

#include "matmul.h"

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

inline float fastTanh(float x) { return 2.0f * sigmoid(2.0f * x) - 1.0f; }

// GRU update of h (length H) from input pre-activations gi and recurrent ones gh, both [r | z | n].
inline void gru(const float* __restrict gi, const float* __restrict gh, float* __restrict h, int H) {
  for (int j = 0; j < H; j++) {
    const float r = sigmoid(gi[j] + gh[j]);
    const float z = sigmoid(gi[H + j] + gh[H + j]);
    const float n = fastTanh(gi[2 * H + j] + r * gh[2 * H + j]);
    h[j] = n + z * (h[j] - n);
  }
}

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

// The mu-law class of x in [-1, 1], as the graph computes it (there Log(1 + mu|x|); log1p here,
// closer to the float64 reference): floor((sign(x) * log1p(mu|x|) / log(mu + 1) + 1) * mu/2 + 0.5),
// capped to [0, mu] so a class always indexes the tables.
inline int mulawClass(float x, float mu, float invLogLevels, float halfMu) {
  const float mag = std::log1p(mu * std::fabs(x)) * invLogLevels;
  const float y = x < 0.0f ? -mag : mag;
  const int c = static_cast<int>(std::floor((y + 1.0f) * halfMu + 0.5f));
  return std::min(static_cast<int>(mu), std::max(0, c));
}

inline float clip1(float x) { return std::min(1.0f, std::max(-1.0f, x)); }

}  // namespace

void runSampleLoop(const LoopWeights& w, const float* condRows, const float* lpcRows, int blocks, const float* uniform,
                   int streams, float* h1, float* h2, int32_t* prev, float* hist, int32_t* out) {
  const int H1 = w.hidden1, H2 = w.hidden2, FC = w.fc, C = w.classes, D = 2 * H1 + 3 * H2, B = streams, hop = w.hop;
  const int P = w.order;
  const int n = blocks * hop;
  const float mu = static_cast<float>(C - 1);
  const float invLogLevels = static_cast<float>(1.0 / std::log(static_cast<double>(C)));
  const float halfMu = static_cast<float>((C - 1) / 2.0);
  std::vector<float> cb(D), x1(2 * H1), gi(static_cast<size_t>(B) * 3 * H2), gh(static_cast<size_t>(B) * 3 * H2),
      f(static_cast<size_t>(B) * FC), logits(static_cast<size_t>(B) * C), pred(B);
  const size_t rowStride = static_cast<size_t>(B) * D;
  for (int t = 0; t < n; t++) {
    const int block = t / hop, k = t % hop;
    const float w0 = w.interp[3 * k], w1 = w.interp[3 * k + 1], w2 = w.interp[3 * k + 2];
    // Layer 1: input-only gates, no matrix product (the previous sample and the prediction enter through E and EP).
    for (int b = 0; b < B; b++) {
      // Linear prediction of this sample from the stream's history.
      const float* a = lpcRows + (static_cast<size_t>(block) * B + b) * P;
      const float* hs = hist + static_cast<size_t>(b) * P;
      float acc = 0.0f;
      for (int j = 0; j < P; j++) acc += a[j] * hs[j];
      pred[b] = clip1(-acc);
      const int predClass = mulawClass(pred[b], mu, invLogLevels, halfMu);
      // Conditioning of this sample: linear interpolation of the frame rows around it.
      const float* r0 = condRows + block * rowStride + static_cast<size_t>(b) * D;
      const float* r1 = r0 + rowStride;
      const float* r2 = r1 + rowStride;
      if (w0 != 0.0f) for (int d = 0; d < D; d++) cb[d] = w0 * r0[d] + w1 * r1[d];
      else for (int d = 0; d < D; d++) cb[d] = w1 * r1[d] + w2 * r2[d];
      const float* e = w.embed.data() + static_cast<size_t>(prev[b]) * 2 * H1;
      const float* ep = w.embedPred.data() + static_cast<size_t>(predClass) * 2 * H1;
      for (int j = 0; j < 2 * H1; j++) x1[j] = (cb[j] + e[j]) + ep[j];
      minGru(x1.data(), h1 + static_cast<size_t>(b) * H1, H1);
      std::copy(cb.begin() + 2 * H1, cb.end(), gi.begin() + static_cast<size_t>(b) * 3 * H2);
      std::copy(w.gruBh.begin(), w.gruBh.end(), gh.begin() + static_cast<size_t>(b) * 3 * H2);
    }
    // Layer 2 (GRU): gi = cond2 + h1 Wi, gh = bh + h2 Wh.
    matmulAcc(h1, B, H1, w.gruWi.data(), 3 * H2, gi.data());
    matmulAcc(h2, B, H2, w.gruWh.data(), 3 * H2, gh.data());
    for (int b = 0; b < B; b++) {
      const size_t o = static_cast<size_t>(b) * 3 * H2;
      gru(gi.data() + o, gh.data() + o, h2 + static_cast<size_t>(b) * H2, H2);
    }
    // Output: relu(h2 Wo1 + bo1) Wo2 + bo2.
    for (int b = 0; b < B; b++) std::copy(w.fc1b.begin(), w.fc1b.end(), f.begin() + static_cast<size_t>(b) * FC);
    matmulAcc(h2, B, H2, w.fc1w.data(), FC, f.data());
    for (auto& v : f) v = v > 0.0f ? v : 0.0f;
    for (int b = 0; b < B; b++) std::copy(w.fc2b.begin(), w.fc2b.end(), logits.begin() + static_cast<size_t>(b) * C);
    matmulAcc(f.data(), B, FC, w.fc2w.data(), C, logits.data());
    // Inverse-CDF sampling on the softmax, as the ONNX graph: the excitation is the first class whose
    // cumulative probability reaches u; prediction + excitation, back on the mu-law grid, is the sample.
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
      int excitation = C - 1;
      for (int j = 0; j < C; j++) {
        cdf += l[j] * inv;
        if (!(cdf < u)) {
          excitation = j;
          break;
        }
      }
      const int cls = mulawClass(clip1(pred[b] + w.decode[excitation]), mu, invLogLevels, halfMu);
      float* hs = hist + static_cast<size_t>(b) * P;
      for (int j = P - 1; j > 0; j--) hs[j] = hs[j - 1];
      hs[0] = w.decode[cls];
      prev[b] = cls;
      out[static_cast<size_t>(t) * B + b] = cls;
    }
  }
}

}  // namespace clonecast
