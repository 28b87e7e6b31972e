"""RTVC's `infer_waveform` around `WaveRnn`: padding, folding, the sampler (fed with given
uniforms), crossfade-unfold, mu-law decoding, de-emphasis and the final crop and fade-out.
The reference the exported graphs and the TypeScript engine are checked against.
"""
from __future__ import annotations

import numpy as np
import torch

from .wavernn import WaveRnn

#: RTVC's hp.mel_max_abs_value: infer_waveform divides the mel by it.
MEL_SCALE = 4.0
PREEMPHASIS = 0.97
#: infer_waveform's defaults (not hparams.voc_overlap).
TARGET, OVERLAP = 8000, 800


def upsample_input(mel: np.ndarray, pad: int) -> torch.Tensor:
    """[n_mels, T] synthesizer mel -> [1, n_mels, T + 2 pad]: mel / 4 with pad zero frames each side."""
    x = np.zeros((mel.shape[0], mel.shape[1] + 2 * pad), dtype=np.float32)
    x[:, pad:pad + mel.shape[1]] = mel / MEL_SCALE
    return torch.from_numpy(x)[None]


def sample_classes(logits: torch.Tensor, u: np.ndarray) -> torch.Tensor:
    """torch.multinomial's inverse CDF, as the fixtures README states it: p = softmax / sum, cumsum in
    float32 sequentially, c /= c[-1], c[-1] = 1, class = #{j : c_j < u} (u float64)."""
    probs = torch.softmax(logits, dim=1)
    p = (probs / probs.sum(-1, keepdim=True)).numpy()
    out = np.empty(p.shape[0], dtype=np.int64)
    for b in range(p.shape[0]):
        c = np.cumsum(p[b], dtype=np.float32)  # numpy's float32 cumsum accumulates sequentially
        c = c / c[-1]
        c[-1] = 1.0
        out[b] = int(np.count_nonzero(c.astype(np.float64) < u[b]))
    return torch.from_numpy(out)


@torch.no_grad()
def run_sample_loop(model: WaveRnn, up_mels: torch.Tensor, aux: torch.Tensor, u: np.ndarray, logits_steps: int = 16):
    """Rows of up_mels [B, L, n_mels] / aux [B, L, res_out] with uniforms u [B, L] ->
    (classes [B, L], logits of the first `logits_steps` steps [B, steps, classes])."""
    d = model.dims
    B, L, _ = up_mels.shape
    h1 = torch.zeros(B, d.rnn_dims)
    h2 = torch.zeros(B, d.rnn_dims)
    x = torch.zeros(B, 1)
    classes = np.empty((B, L), dtype=np.int64)
    first = []
    for i in range(L):
        logits, h1, h2 = model.sample_step(x, up_mels[:, i], aux[:, i], h1, h2)
        if i < logits_steps:
            first.append(logits)
        idx = sample_classes(logits, u[:, i])
        classes[:, i] = idx.numpy()
        x = (2 * idx.float() / (d.classes - 1.0) - 1.0).unsqueeze(-1)
    return classes, torch.stack(first, dim=1)


def fold_with_overlap(x: torch.Tensor, target: int = TARGET, overlap: int = OVERLAP) -> torch.Tensor:
    """[1, L, C] -> [folds, target + 2 overlap, C] (zero-padding the end when the folds do not fit)."""
    _, total, C = x.shape
    folds = (total - overlap) // (target + overlap)
    extended = folds * (overlap + target) + overlap
    if total - extended != 0:
        folds += 1
        x = torch.cat([x, torch.zeros(1, target + 2 * overlap - (total - extended), C)], dim=1)
    return torch.stack([x[0, i * (target + overlap): i * (target + overlap) + target + 2 * overlap] for i in range(folds)])


def xfade_and_unfold(y: np.ndarray, overlap: int = OVERLAP) -> np.ndarray:
    """[folds, length] float64 -> 1-D: silence + equal-power fade on every fold edge, overlap-added."""
    folds, length = y.shape
    target = length - 2 * overlap
    silence = overlap // 2
    fade = overlap - silence
    t = np.linspace(-1, 1, fade, dtype=np.float64)
    fade_in = np.concatenate([np.zeros(silence), np.sqrt(0.5 * (1 + t))])
    fade_out = np.concatenate([np.sqrt(0.5 * (1 - t)), np.zeros(silence)])
    y = y.copy()
    y[:, :overlap] *= fade_in
    y[:, -overlap:] *= fade_out
    out = np.zeros(folds * (target + overlap) + overlap, dtype=np.float64)
    for i in range(folds):
        out[i * (target + overlap): i * (target + overlap) + length] += y[i]
    return out


def mulaw_decode(y: np.ndarray, classes: int) -> np.ndarray:
    mu = classes - 1
    return np.sign(y) / mu * ((1 + mu) ** np.abs(y) - 1)


def de_emphasis(x: np.ndarray, coef: float = PREEMPHASIS) -> np.ndarray:
    """lfilter([1], [1, -coef], x) from zero state."""
    out = np.empty_like(x)
    prev = 0.0
    for i, v in enumerate(x):
        prev = v + coef * prev
        out[i] = prev
    return out


def finish(signal: np.ndarray, classes: int, mel_frames: int, hop: int) -> dict[str, np.ndarray]:
    """Samples in [-1, 1] (float64) -> RTVC's post-processing stages and the returned waveform."""
    decoded = mulaw_decode(signal, classes)
    deemph = de_emphasis(decoded)
    wav = deemph[: (mel_frames - 1) * hop].copy()
    wav[-20 * hop:] *= np.linspace(1, 0, 20 * hop)
    return {"mulaw_decoded": decoded, "deemphasized": deemph, "wav": wav}
