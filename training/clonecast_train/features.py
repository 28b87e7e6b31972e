"""Feature definitions shared with the server (src/pipeline/audio). See docs/models.md.

One FeatureSpec dict describes a log-mel feature; the same dict goes into models/manifest.json,
so the server computes exactly what the model was trained on.
"""
from __future__ import annotations

import numpy as np

ENCODER_MEL = {
    "sampleRate": 16000, "preemphasis": 0.0, "nFft": 512, "winLength": 400, "hopLength": 160,
    "window": "hann", "nMels": 40, "fmin": 0.0, "fmax": 8000.0, "melScale": "slaney",
    "power": 2, "logFloor": 1e-6,
}

SYNTH_MEL = {
    "sampleRate": 16000, "preemphasis": 0.97, "nFft": 800, "winLength": 800, "hopLength": 200,
    "window": "hann", "nMels": 80, "fmin": 55.0, "fmax": 7600.0, "melScale": "slaney",
    "power": 1, "logFloor": 1e-5,
}


def hz_to_mel_slaney(f: np.ndarray) -> np.ndarray:
    """librosa's default (Slaney) mel scale: linear below 1 kHz, logarithmic above."""
    f = np.asarray(f, dtype=np.float64)
    f_sp = 200.0 / 3
    mels = f / f_sp
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep, mels)


def mel_to_hz_slaney(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float64)
    f_sp = 200.0 / 3
    freqs = f_sp * m
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), freqs)


def mel_filterbank(spec: dict) -> np.ndarray:
    """[nMels, nFft//2+1] triangular filters with Slaney area normalisation (librosa.filters.mel)."""
    sr, n_fft, n_mels = spec["sampleRate"], spec["nFft"], spec["nMels"]
    fft_freqs = np.linspace(0, sr / 2, n_fft // 2 + 1)
    mel_pts = mel_to_hz_slaney(np.linspace(hz_to_mel_slaney(spec["fmin"]), hz_to_mel_slaney(spec["fmax"]), n_mels + 2))
    fdiff = np.diff(mel_pts)
    ramps = mel_pts[:, None] - fft_freqs[None, :]
    weights = np.zeros((n_mels, len(fft_freqs)))
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    enorm = 2.0 / (mel_pts[2:n_mels + 2] - mel_pts[:n_mels])
    weights *= enorm[:, None]
    return weights


def hann(win_length: int) -> np.ndarray:
    n = np.arange(win_length)
    return 0.5 - 0.5 * np.cos(2 * np.pi * n / win_length)


def preemphasize(x: np.ndarray, a: float) -> np.ndarray:
    if a == 0:
        return x
    y = np.empty_like(x)
    y[0] = x[0]
    y[1:] = x[1:] - a * x[:-1]
    return y


def frame_count(n_samples: int, spec: dict) -> int:
    win, hop = spec["winLength"], spec["hopLength"]
    return 0 if n_samples < win else (n_samples - win) // hop + 1


def log_mel(audio: np.ndarray, spec: dict) -> np.ndarray:
    """float audio in [-1, 1] at spec's rate -> [frames, nMels] float32 (not centred; docs/models.md)."""
    x = preemphasize(np.asarray(audio, dtype=np.float64), spec["preemphasis"])
    n = frame_count(len(x), spec)
    if n == 0:
        return np.zeros((0, spec["nMels"]), dtype=np.float32)
    win, hop, n_fft = spec["winLength"], spec["hopLength"], spec["nFft"]
    idx = np.arange(win)[None, :] + hop * np.arange(n)[:, None]
    frames = x[idx] * hann(win)[None, :]
    mag = np.abs(np.fft.rfft(frames, n=n_fft, axis=1))
    if spec["power"] == 2:
        mag = mag ** 2
    mel = mag @ mel_filterbank(spec).T
    return np.log(np.maximum(mel, spec["logFloor"])).astype(np.float32)


def frame_rms_db(audio: np.ndarray, spec: dict) -> np.ndarray:
    """RMS in dBFS of each frame's raw samples (before preemphasis and window): the VAD's input."""
    x = np.asarray(audio, dtype=np.float64)
    n = frame_count(len(x), spec)
    if n == 0:
        return np.zeros((0,), dtype=np.float32)
    idx = np.arange(spec["winLength"])[None, :] + spec["hopLength"] * np.arange(n)[:, None]
    rms = np.sqrt(np.mean(x[idx] ** 2, axis=1))
    return (20 * np.log10(np.maximum(rms, 1e-10))).astype(np.float32)
