"""encoderMel speech frames of an utterance: log-mels with the VAD-silent frames dropped (docs/models.md)."""
from __future__ import annotations

import numpy as np

from ..features import ENCODER_MEL, frame_rms_db, log_mel
from .export import VAD_THRESHOLD_DB


def speech_mels(audio: np.ndarray, threshold_db: float = VAD_THRESHOLD_DB) -> np.ndarray:
    """16 kHz float audio [n] -> speech frames [T, 40] float32: frames whose raw RMS >= threshold_db dBFS."""
    mels = log_mel(audio, ENCODER_MEL)
    return mels[frame_rms_db(audio, ENCODER_MEL) >= threshold_db]
