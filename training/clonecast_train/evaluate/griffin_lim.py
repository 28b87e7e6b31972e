"""synthMel -> audio by Griffin-Lim (Python; the reference vocoder for evaluating the synthesizer alone).

Inverts the mel filterbank by least squares (clipped at a small positive floor), sharpens the
magnitude with `power` (as Tacotron's Griffin-Lim did), runs fast Griffin-Lim (momentum 0.99) with
the feature's own non-centred framing, then undoes the preemphasis.
"""
from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

from ..features import SYNTH_MEL, hann, mel_filterbank


def _stft(x: np.ndarray, spec: dict, n_frames: int) -> np.ndarray:
    win, hop, n_fft = spec["winLength"], spec["hopLength"], spec["nFft"]
    idx = np.arange(win)[None, :] + hop * np.arange(n_frames)[:, None]
    return np.fft.rfft(x[idx] * hann(win)[None, :], n=n_fft, axis=1)


def _istft(spec_c: np.ndarray, spec: dict) -> np.ndarray:
    win, hop, n_fft = spec["winLength"], spec["hopLength"], spec["nFft"]
    n = spec_c.shape[0]
    frames = np.fft.irfft(spec_c, n=n_fft, axis=1)[:, :win] * hann(win)[None, :]
    return _overlap_add(frames, hop) / np.maximum(_overlap_add(np.tile(hann(win) ** 2, (n, 1)), hop), 1e-3)


def _overlap_add(frames: np.ndarray, hop: int) -> np.ndarray:
    n, win = frames.shape
    if win % hop == 0:  # sum hop-sized blocks: k-th block of frame i lands on output block i + k
        k = win // hop
        blocks = frames.reshape(n, k, hop)
        out = np.zeros((n + k - 1, hop))
        for j in range(k):
            out[j:j + n] += blocks[:, j]
        return out.reshape(-1)
    out = np.zeros((n - 1) * hop + win)
    for i in range(n):
        out[i * hop: i * hop + win] += frames[i]
    return out


def griffin_lim(log_mel: np.ndarray, spec: dict = SYNTH_MEL, iterations: int = 60, power: float = 1.3,
                seed: int = 0) -> np.ndarray:
    """log_mel [T, nMels] (ln of magnitude mel, as features.log_mel) -> float32 audio [(T-1)*hop + win]."""
    if len(log_mel) == 0:
        return np.zeros(0, dtype=np.float32)
    fb = mel_filterbank(spec)
    mag = np.maximum(np.exp(log_mel.astype(np.float64)) @ np.linalg.pinv(fb).T, 1e-8)
    if spec["power"] == 2:
        mag = np.sqrt(mag)
    mag = mag ** power
    rng = np.random.default_rng(seed)
    angles = np.exp(2j * np.pi * rng.random(mag.shape))
    prev = np.zeros_like(angles)
    n = len(log_mel)
    for _ in range(iterations):
        rebuilt = _stft(_istft(mag * angles, spec), spec, n)
        accel = rebuilt + 0.99 * (rebuilt - prev)
        prev = rebuilt
        angles = accel / np.maximum(np.abs(accel), 1e-8)
    audio = _istft(mag * angles, spec)
    if spec["preemphasis"]:
        audio = lfilter([1.0], [1.0, -spec["preemphasis"]], audio)
    peak = np.abs(audio).max()
    return (audio / peak * 0.9 if peak > 0 else audio).astype(np.float32)
