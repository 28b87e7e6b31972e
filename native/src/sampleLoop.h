// The clonecast-wavernn sample loop in plain C++ (float32), the same arithmetic as the ONNX Loop
// graph in training/clonecast_train/vocoder/loop_graph.py:
//   p = clip(-sum_k a[k] hist[k], -1, 1)   (linear prediction: a from the block's mel frame, hist[0] = s_{t-1})
//   x1 = (cond1 + E[prev]) + EP[mulaw(p)];  h1 += sigmoid(x1[:H1]) * (g(x1[H1:]) - h1)     g(k) = k >= 0 ? k + 0.5 : sigmoid(k)
//   gi = cond2 + h1 Wi, gh = h2 Wh + bh (GRU, gates r, z, n):
//   r = sigmoid(gi_r + gh_r), z = sigmoid(gi_z + gh_z), n = tanh(gi_n + r * gh_n), h2 = n + z * (h2 - n)
//   logits = relu(h2 Wo1 + bo1) Wo2 + bo2;  e = #{j : cumsum(softmax(logits))_j < u}, at most classes-1 (the excitation)
//   class = mulaw(clip(p + decode(e), -1, 1));  prev = class;  hist shifts, hist[0] = decode(class)
// mulaw(x) = floor((sign(x) log1p(mu |x|) / log(mu + 1) + 1) * mu/2 + 0.5), mu = classes - 1.
// Matrices are row-major [in][out]; B streams run together so every weight row loaded is used B times.
#pragma once

#include <cstdint>
#include <vector>

namespace clonecast {

struct LoopWeights {
  int hidden1, hidden2, fc, classes, hop, order;
  std::vector<float> interp;    // [hop][3]: weights of conditioning rows i-1, i, i+1 for sample k of block i
  std::vector<float> embed;     // [classes][2*hidden1]: the previous sample's class
  std::vector<float> embedPred; // [classes][2*hidden1]: the prediction's class
  std::vector<float> decode;    // [classes]: each class's decoded value (mu-law)
  std::vector<float> gruWi;  // [hidden1][3*hidden2]
  std::vector<float> gruWh;  // [hidden2][3*hidden2]
  std::vector<float> gruBh;  // [3*hidden2]
  std::vector<float> fc1w;   // [hidden2][fc]
  std::vector<float> fc1b;   // [fc]
  std::vector<float> fc2w;   // [fc][classes]
  std::vector<float> fc2b;   // [classes]
};

// Runs `blocks` hop blocks (n = blocks*hop samples) of `streams` streams. condRows: per-frame
// conditioning [blocks + 2][streams][2*H1 + 3*H2] (rows i-1 .. i+blocks), interpolated to samples here;
// lpcRows: each block's prediction coefficients [blocks][streams][order]; uniform: [n][streams];
// h1: [streams][H1], h2: [streams][H2], prev: [streams], hist: [streams][order] (most recent first)
// updated in place; out: [n][streams] classes of the samples.
void runSampleLoop(const LoopWeights& w, const float* condRows, const float* lpcRows, int blocks, const float* uniform,
                   int streams, float* h1, float* h2, int32_t* prev, float* hist, int32_t* out);

}  // namespace clonecast
