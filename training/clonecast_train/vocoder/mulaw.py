"""9-bit mu-law coding of pre-emphasised audio: the vocoder's 512 output classes.

The same formulas live in src/pipeline/vocoder/mulaw.ts; class 256 is (almost) silence.
"""
from __future__ import annotations

import numpy as np

BITS = 9
CLASSES = 1 << BITS          # 512
MU = CLASSES - 1             # 511


def position(x: np.ndarray) -> np.ndarray:
    """Where float audio (clipped to [-1, 1]) falls on the class axis before rounding (float64)."""
    x = np.clip(np.asarray(x, dtype=np.float64), -1.0, 1.0)
    y = np.sign(x) * np.log1p(MU * np.abs(x)) / np.log1p(MU)
    return (y + 1.0) / 2.0 * MU


def encode(x: np.ndarray) -> np.ndarray:
    """float audio (clipped to [-1, 1]) -> int64 classes in [0, 511]: position rounded."""
    return np.floor(position(x) + 0.5).astype(np.int64)


def decode(c: np.ndarray) -> np.ndarray:
    """classes -> float audio in [-1, 1] (float64)."""
    y = 2.0 * np.asarray(c, dtype=np.float64) / MU - 1.0
    return np.sign(y) * (np.power(1.0 + MU, np.abs(y)) - 1.0) / MU


def deemphasize(x: np.ndarray, a: float) -> np.ndarray:
    """Inverse of features.preemphasize: y[n] = x[n] + a*y[n-1], y[-1] = 0."""
    from scipy.signal import lfilter
    if a == 0:
        return np.asarray(x, dtype=np.float64)
    return lfilter([1.0], [1.0, -a], np.asarray(x, dtype=np.float64))
