"""The packed synthesizer data (synth.npz, written by pack.py), read back for training.

Arrays: mel uint8 [F,80] (synthMel quantised over mel_range), mel_offsets int64 [U+1],
ids uint8 [S] (english-v1 symbol ids), id_offsets int64 [U+1], utt_speaker int32 [U],
speakers str [K], texts str [U] (normalised), corpus str [U], mel_range float32 [2].
Imports no audio library: the GPU machine has no soundfile.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..features import SYNTH_MEL

# uint8 quantisation range of synthMel: the log floor up to a ceiling no real frame reaches.
MEL_MIN, MEL_MAX = float(np.log(SYNTH_MEL["logFloor"])), 3.0


def quantize(mel: np.ndarray) -> np.ndarray:
    return np.round((np.clip(mel, MEL_MIN, MEL_MAX) - MEL_MIN) / (MEL_MAX - MEL_MIN) * 255).astype(np.uint8)


def dequantize(q: np.ndarray, mel_range=(MEL_MIN, MEL_MAX)) -> np.ndarray:
    lo, hi = float(mel_range[0]), float(mel_range[1])
    return q.astype(np.float32) * ((hi - lo) / 255) + lo


class SynthData:
    """A packed synth.npz in memory: per-utterance (ids, mel, speaker) access."""

    def __init__(self, path: Path):
        z = np.load(path)
        self.mel_q = z["mel"]
        self.mel_offsets = z["mel_offsets"]
        self.ids = z["ids"]
        self.id_offsets = z["id_offsets"]
        self.utt_speaker = z["utt_speaker"]
        self.speakers = [str(s) for s in z["speakers"]]
        self.texts = [str(t) for t in z["texts"]]
        self.corpus = [str(c) for c in z["corpus"]]
        self.mel_range = z["mel_range"]

    def __len__(self) -> int:
        return len(self.utt_speaker)

    def n_frames(self, u: int) -> int:
        return int(self.mel_offsets[u + 1] - self.mel_offsets[u])

    def n_symbols(self, u: int) -> int:
        return int(self.id_offsets[u + 1] - self.id_offsets[u])

    def mel(self, u: int) -> np.ndarray:
        """[T,80] float32 synthMel."""
        return dequantize(self.mel_q[self.mel_offsets[u]: self.mel_offsets[u + 1]], self.mel_range)

    def symbols(self, u: int) -> np.ndarray:
        return self.ids[self.id_offsets[u]: self.id_offsets[u + 1]].astype(np.int64)
