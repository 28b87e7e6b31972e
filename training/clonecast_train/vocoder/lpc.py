"""Linear prediction from the mel frames (LPCNet's idea): the spectral envelope comes from the mel,
so the network only has to model the excitation, the part a short CPU training can learn.

Per mel frame i (its hop block, model.py), 16 coefficients a_i; for each sample t of block i the
vocoder stream's prediction is  p_t = -sum_k a_i[k] * s_{t-1-k}  (s: the decoded 9-bit mu-law of the
pre-emphasised audio, the engines' history). The network predicts the class of e_t = s_t - p_t.

Envelope from the mel: each band's average magnitude (its value over its filter's area), spread
back to the FFT bins by the triangular filters, squared, an inverse DFT to the autocorrelation, a
Gaussian lag window, white-noise correction, Levinson-Durbin. The same float64 arithmetic lives in
src/pipeline/vocoder/lpc.ts (parity.test.ts holds the two together).
"""
from __future__ import annotations

import numpy as np

from ..features import mel_filterbank

ORDER = 16
LAG_WINDOW_HZ = 60.0          # Gaussian lag window bandwidth: smooths the harmonic fine structure
NOISE_FLOOR = 1e-3            # white-noise correction on r[0]: keeps the filter stable and tame


def mel_to_bins(spec: dict) -> np.ndarray:
    """[nMels, nFft//2+1]: band average magnitudes -> per-bin magnitude (a row-stochastic spread).

    Bins no filter covers (below fmin, above fmax) take the nearest band's value."""
    fb = mel_filterbank(spec)
    area = fb.sum(axis=1, keepdims=True)                        # m_b / area_b: band b's average magnitude
    spread = fb / np.maximum(fb.sum(axis=0, keepdims=True), 1e-30)
    centres = np.argmax(fb, axis=1)
    for j in np.flatnonzero(fb.sum(axis=0) <= 0):
        spread[:, j] = 0.0
        spread[0 if j < centres[0] else len(fb) - 1, j] = 1.0
    return spread / area


def autocorrelation_basis(spec: dict, order: int = ORDER) -> np.ndarray:
    """[nFft//2+1, order+1]: one-sided power spectrum -> autocorrelation lags 0..order, lag-windowed."""
    n_fft, rate = spec["nFft"], spec["sampleRate"]
    bins = np.arange(n_fft // 2 + 1)
    weight = np.where((bins == 0) | (bins == n_fft // 2), 1.0, 2.0) / n_fft
    lags = np.arange(order + 1)
    lag_window = np.exp(-0.5 * (2 * np.pi * LAG_WINDOW_HZ * lags / rate) ** 2)
    return weight[:, None] * np.cos(2 * np.pi * bins[:, None] * lags[None, :] / n_fft) * lag_window[None, :]


def levinson(r: np.ndarray, order: int = ORDER) -> np.ndarray:
    """Autocorrelation rows [F, order+1] -> prediction coefficients a [F, order] of A(z) = 1 + sum a_k z^-k."""
    frames = r.shape[0]
    a = np.zeros((frames, order))
    err = r[:, 0].copy()
    for i in range(order):
        acc = r[:, i + 1] + np.einsum("fj,fj->f", a[:, :i], r[:, i:0:-1]) if i else r[:, 1].copy()
        k = -acc / np.maximum(err, 1e-30)
        a_prev = a[:, :i].copy()
        a[:, :i] = a_prev + k[:, None] * a_prev[:, ::-1]
        a[:, i] = k
        err = err * (1 - k * k)
    return a


class MelLpc:
    """log-mel rows [F, nMels] (features.log_mel) -> LPC rows [F, order] (float64)."""

    def __init__(self, spec: dict, order: int = ORDER):
        self.spec, self.order = spec, order
        self.to_bins = mel_to_bins(spec)
        self.basis = autocorrelation_basis(spec, order)

    def __call__(self, log_mel: np.ndarray) -> np.ndarray:
        mag = np.exp(np.asarray(log_mel, dtype=np.float64)) @ self.to_bins
        r = (mag * mag) @ self.basis
        r[:, 0] *= 1.0 + NOISE_FLOOR
        return levinson(r, self.order)


def predict(a_rows: np.ndarray, history: np.ndarray, hop: int) -> np.ndarray:
    """Teacher-forced predictions of blocks 0..F-1: a_rows [F, order], history: the `order` samples
    before block 0 then the F*hop samples of the blocks (s values). Returns p [F*hop]."""
    order = a_rows.shape[1]
    n = a_rows.shape[0] * hop
    # past[t, k] = s_{t-1-k}
    windows = np.lib.stride_tricks.sliding_window_view(history[: order + n - 1], order)[:, ::-1]
    return -np.einsum("tk,tk->t", np.repeat(a_rows, hop, axis=0), windows)
