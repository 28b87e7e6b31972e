"""The clonecast-wavernn vocoder: a sample-level autoregressive recurrent network (see notes/vocoder.md).

Per output sample t (16 kHz, pre-emphasised audio s, 9-bit mu-law classes):
    p_t  = -sum_k a_i[k] s_{t-1-k}                              (linear prediction, lpc.py: a_i from mel frame i)
    c_t  = linear interpolation of per-frame conditioning (mel -> small conv net, finite context)
    x1_t = c1_t + E[s_{t-1}] + P[mulaw(p_t)]                     (embeddings of the previous sample and the prediction)
    h1_t = (1 - z) * h1_{t-1} + z * g(k),  [z_pre, k] = x1_t     (minGRU: gates from the input only)
    h2_t = GRU(input [h1_t, c2_t], h2_{t-1})                    (a full GRU: gates read h2)
    logits_t = relu(h2_t @ Wo1 + bo1) @ Wo2 + bo2  (512 classes of the excitation e_t = s_t - p_t)
    s_t  = mulaw_decode(mulaw(p_t + decode(e_t)))                (the sample, back on the mu-law grid)
Layer 1 is wide and cheap: its gates do not read h, so it trains in parallel over time (scan) and
costs no matrix product at inference. Layer 2 is narrow and fully recurrent (cuDNN on the GPU): the
minGRU-only version (tag vocoder-mingru2) trained to val loss 4.44 but resynthesised unintelligibly.

Frame/sample alignment (docs/models.md): mel frame i's hop block is output samples
[i*hop, (i+1)*hop) of the vocoder stream (audio samples i*hop + (win-hop)/2 onwards). Sample k of
block i sits at fractional frame i + (k + 0.5)/hop - 0.5, interpolating cond[i-1], cond[i], cond[i+1].
The conv net has `context` frames of receptive field on each side; at the ends of an utterance the
mel is padded by repeating its first/last frame context + 1 times.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .mulaw import CLASSES


@dataclass(frozen=True)
class VocoderConfig:
    n_mels: int = 80
    hop: int = 200
    cond_channels: int = 128     # conv net width
    cond_kernel1: int = 5        # first conv kernel (odd)
    cond_kernel2: int = 3        # second conv kernel (odd)
    hidden1: int = 256           # minGRU layer 1 (input: conditioning + previous sample)
    hidden2: int = 128           # GRU layer 2 (input: h1 + layer-2 conditioning)
    cond2: int = 128             # per-frame conditioning features of layer 2
    fc: int = 128                # hidden FC before the 512-way output
    classes: int = CLASSES
    lpc_order: int = 16          # linear prediction order (lpc.py)

    @property
    def context(self) -> int:
        """Mel frames of receptive field of the conv net on each side."""
        return (self.cond_kernel1 - 1) // 2 + (self.cond_kernel2 - 1) // 2

    @property
    def cond_dim(self) -> int:
        """Per-frame conditioning width of the training model: layer-1 pre-activations + layer-2 features."""
        return 2 * self.hidden1 + self.cond2

    @property
    def engine_cond_dim(self) -> int:
        """Per-frame conditioning width of the engines: layer-1 and layer-2 input pre-activations (cond2 folded)."""
        return 2 * self.hidden1 + 3 * self.hidden2

    def to_dict(self) -> dict:
        return asdict(self)


def g_positive(x: torch.Tensor) -> torch.Tensor:
    """minGRU's candidate activation, always > 0 so the scan can run in log space."""
    return torch.where(x >= 0, x + 0.5, torch.sigmoid(x))


def log_g_positive(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x >= 0, torch.log(F.relu(x) + 0.5), -F.softplus(-x))


class _LinearScan(torch.autograd.Function):
    """h_t = a_t * h_{t-1} + b_t (h_{-1} = 0) as a plain loop over time, with a hand-written backward.

    On CPU this is ~15x faster than the log-space scan (torch's logcumsumexp is slow there); on GPU
    the log-space scan wins (one kernel instead of thousands). Inputs are time-major [L, B, H].
    """

    @staticmethod
    def forward(ctx, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        h = torch.empty_like(b)
        h[0] = b[0]
        for t in range(1, b.shape[0]):
            torch.addcmul(b[t], a[t], h[t - 1], out=h[t])
        ctx.save_for_backward(a, h)
        return h

    @staticmethod
    def backward(ctx, grad_h: torch.Tensor):
        a, h = ctx.saved_tensors
        grad_b = torch.empty_like(grad_h)
        grad_b[-1] = grad_h[-1]
        for t in range(grad_h.shape[0] - 2, -1, -1):
            torch.addcmul(grad_h[t], a[t + 1], grad_b[t + 1], out=grad_b[t])
        grad_a = torch.zeros_like(a)
        grad_a[1:] = grad_b[1:] * h[:-1]
        return grad_a, grad_b


def min_gru_scan(pre: torch.Tensor, method: str = "auto") -> torch.Tensor:
    """minGRU over time from h_{-1} = 0. pre: [B, L, 2H] = [z_pre | k] -> h [B, L, H].

    h_t = a_t h_{t-1} + b_t with a = 1 - sigmoid(z_pre), b = sigmoid(z_pre) * g(k) > 0. On GPU, in log
    space: log h_t = A_t + logcumsumexp_s(log b_s - A_s), A_t = sum_{r<=t} log a_r (Heinsen's scan).
    Inference computes the same recurrence as h + z * (g - h). method: "auto" (loop on CPU, log
    space elsewhere), "loop" or "log".
    """
    z_pre, k = pre.chunk(2, dim=-1)
    if method == "loop" or (method == "auto" and pre.device.type == "cpu"):
        z = torch.sigmoid(z_pre)
        h = _LinearScan.apply((1 - z).transpose(0, 1).contiguous(), (z * g_positive(k)).transpose(0, 1).contiguous())
        return h.transpose(0, 1)
    log_a = -F.softplus(z_pre)
    log_b = -F.softplus(-z_pre) + log_g_positive(k)
    a_star = torch.cumsum(log_a, dim=1)
    return torch.exp(a_star + torch.logcumsumexp(log_b - a_star, dim=1))


def interpolation_weights(hop: int) -> torch.Tensor:
    """[hop, 3] weights of cond[i-1], cond[i], cond[i+1] for each sample of block i."""
    w = torch.zeros(hop, 3, dtype=torch.float64)
    for k in range(hop):
        pos = (k + 0.5) / hop - 0.5          # fractional offset from frame i in (-0.5, 0.5)
        if pos < 0:
            w[k, 0], w[k, 1] = -pos, 1 + pos
        else:
            w[k, 1], w[k, 2] = 1 - pos, pos
    return w.float()


class Vocoder(nn.Module):
    def __init__(self, cfg: VocoderConfig):
        super().__init__()
        self.cfg = cfg
        c = cfg.cond_channels
        self.conv1 = nn.Conv1d(cfg.n_mels, c, cfg.cond_kernel1)
        self.conv2 = nn.Conv1d(c, c, cfg.cond_kernel2)
        self.cond_out = nn.Linear(c, cfg.cond_dim)
        self.embed = nn.Embedding(cfg.classes, 2 * cfg.hidden1)
        self.embed_pred = nn.Embedding(cfg.classes, 2 * cfg.hidden1)
        self.gru = nn.GRU(cfg.hidden1 + cfg.cond2, cfg.hidden2, batch_first=True)
        self.fc1 = nn.Linear(cfg.hidden2, cfg.fc)
        self.fc2 = nn.Linear(cfg.fc, cfg.classes)
        self.register_buffer("interp", interpolation_weights(cfg.hop), persistent=False)
        nn.init.normal_(self.embed.weight, std=0.3)
        nn.init.normal_(self.embed_pred.weight, std=0.3)

    def conditioning(self, mel: torch.Tensor) -> torch.Tensor:
        """mel [B, T + 2*context, n_mels] (normalised log-mel) -> [B, T, cond_dim] (valid convs)."""
        x = mel.transpose(1, 2)
        x = F.leaky_relu(self.conv1(x), 0.1)
        x = F.leaky_relu(self.conv2(x), 0.1)
        return self.cond_out(x.transpose(1, 2))

    def upsample(self, cond: torch.Tensor) -> torch.Tensor:
        """cond [B, F + 2, D] for frames i-1 .. i+F -> per-sample [B, F*hop, D] for blocks 0..F-1."""
        b, f2, d = cond.shape
        frames = f2 - 2
        # [B, F, 3, D] windows of (prev, this, next) frame conditioning
        win = torch.stack([cond[:, 0:frames], cond[:, 1:frames + 1], cond[:, 2:frames + 2]], dim=2)
        out = torch.einsum("kj,bfjd->bfkd", self.interp, win)
        return out.reshape(b, frames * self.cfg.hop, d)

    def forward(self, mel: torch.Tensor, prev: torch.Tensor, pred: torch.Tensor) -> torch.Tensor:
        """Teacher-forced logits of the excitation.

        mel: [B, F + 2 + 2*context, n_mels] covering frames i0-1-context .. i0+F+context.
        prev: [B, F*hop] int64, the class of the sample before each target sample.
        pred: [B, F*hop] int64, the class of each target sample's linear prediction.
        Returns logits [B, F*hop, classes].
        """
        h1n = self.cfg.hidden1
        per_sample = self.upsample(self.conditioning(mel))
        c1, c2 = per_sample[..., : 2 * h1n], per_sample[..., 2 * h1n:]
        h1 = min_gru_scan(c1 + self.embed(prev) + self.embed_pred(pred))
        h2, _ = self.gru(torch.cat([h1, c2], dim=-1))
        return self.fc2(F.relu(self.fc1(h2)))


# Log-mel normalisation baked into the conditioning net's first layer at export: mel_n = (mel - MEAN) / SCALE.
MEL_MEAN = -5.0
MEL_SCALE = 3.0


def normalise_mel(mel: torch.Tensor) -> torch.Tensor:
    return (mel - MEL_MEAN) / MEL_SCALE
