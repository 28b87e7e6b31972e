"""Audio file I/O: anything soundfile reads -> mono float32 at 16 kHz (or a stated rate)."""
from __future__ import annotations

from math import gcd
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

SAMPLE_RATE = 16000


def to_mono(audio: np.ndarray) -> np.ndarray:
    """[n] or [n, channels] -> [n] (channel mean)."""
    return audio if audio.ndim == 1 else audio.mean(axis=1)


def resample(audio: np.ndarray, rate_in: int, rate_out: int = SAMPLE_RATE) -> np.ndarray:
    """Polyphase resampling (scipy.signal.resample_poly) between integer rates; float32 out."""
    if rate_in == rate_out:
        return audio.astype(np.float32, copy=False)
    g = gcd(int(rate_in), int(rate_out))
    return resample_poly(audio.astype(np.float64), rate_out // g, rate_in // g).astype(np.float32)


def load_audio(path: str | Path, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Read `path` -> mono float32 samples in [-1, 1] at `sample_rate` Hz, shape [n]."""
    audio, rate = sf.read(str(path), dtype="float32", always_2d=False)
    return resample(to_mono(audio), rate, sample_rate)


def write_flac(path: str | Path, audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> None:
    """Write mono float audio as 16-bit FLAC (clipped to [-1, 1])."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), np.clip(audio, -1.0, 1.0), sample_rate, subtype="PCM_16", format="FLAC")
