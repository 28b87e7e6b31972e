"""The packed synthesizer data (synth.npz, written by pack.py), read back for training.

Arrays: mel uint8 [F,80] (synthMel quantised over mel_range; stored either as `mel` or, smaller,
as `mel_lzma`: LZMA of the frame-to-frame differences mod 256, with `mel_shape`), mel_offsets int64 [U+1],
ids uint8 [S] (english-v1 symbol ids), id_offsets int64 [U+1], utt_speaker int32 [U],
speakers str [K], texts str [U] (normalised), corpus str [U], mel_range float32 [2].
Imports no audio library: the GPU machine has no soundfile.
"""
from __future__ import annotations

import lzma
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


def pack_mel(mel_q: np.ndarray) -> np.ndarray:
    """uint8 [F,80] -> LZMA bytes (as a uint8 array) of the time differences mod 256: ~0.74x of zlib."""
    delta = np.diff(mel_q, axis=0, prepend=np.zeros((1, mel_q.shape[1]), dtype=np.uint8))  # wraps mod 256
    return np.frombuffer(lzma.compress(delta.tobytes(), preset=6), dtype=np.uint8)


def unpack_mel(packed: np.ndarray, shape: np.ndarray) -> np.ndarray:
    delta = np.frombuffer(lzma.decompress(packed.tobytes()), dtype=np.uint8).reshape(tuple(int(x) for x in shape))
    return np.cumsum(delta, axis=0, dtype=np.uint8)  # exact inverse (mod 256)


class SynthData:
    """A packed synth.npz in memory: per-utterance (ids, mel, speaker) access."""

    def __init__(self, path: Path):
        z = np.load(path)
        self.mel_q = z["mel"] if "mel" in z.files else unpack_mel(z["mel_lzma"], z["mel_shape"])
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
