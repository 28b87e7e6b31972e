"""The engines' arithmetic in plain numpy (float64), and the parity fixture the Node engines are held to.

    cd training && /usr/bin/python3 -m clonecast_train.vocoder.reference --models ../models \\
        --out ../test/fixtures/vocoder/parity.json

The chain of proof: tests/test_vocoder.py shows that `reference_logits` on the exported tensors
equals the PyTorch model's teacher-forced logits; test/pipeline/vocoder/parity.test.ts shows that
the native and ONNX Loop engines, fed the fixture's mel and uniforms, sample exactly the classes
`reference_generate` samples here (up to the first near-tie of the sampler). Export rewrites the
fixture whenever it writes the repository's models/.
"""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

from ..features import SYNTH_MEL, log_mel
from .lpc import ORDER as LPC_ORDER, MelLpc
from .mulaw import decode, position as mulaw_position

REPO = Path(__file__).resolve().parents[3]


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _conv_leaky(x: np.ndarray, wt: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x [rows, in], wt [out, in, k] -> valid convolution [rows - k + 1, out], leaky ReLU 0.1."""
    k = wt.shape[2]
    out = np.stack([b + np.einsum("oik,ki->o", wt, x[r:r + k]) for r in range(len(x) - k + 1)])
    return np.where(out >= 0, out, 0.1 * out)


def conditioning(w: dict, mel: np.ndarray) -> np.ndarray:
    """Raw log-mel rows [R, n_mels] -> per-frame pre-activations [R - 2*context, 2*H1 + 3*H2]."""
    h = _conv_leaky(_conv_leaky(mel, w["conv1_w"], w["conv1_b"]), w["conv2_w"], w["conv2_b"])
    return h @ w["cond_w"] + w["cond_b"]


def _to_rounding_boundary(position: float) -> float:
    f = (position + 0.5) % 1.0
    return min(f, 1.0 - f)


def lpc_rows(mel: np.ndarray, context: int, blocks: int, order: int) -> np.ndarray:
    """LPC of each block's own mel frame: block j's frame is row j + 1 + context of `mel`
    (frames i0-1-context .. ), rounded to float32 as the engines receive them."""
    a = MelLpc(SYNTH_MEL, order)(mel[1 + context: 1 + context + blocks])
    return a.astype(np.float32).astype(np.float64)


class _Stepper:
    """One stream's recurrent state and sample history; `step` -> logits of sample t of the chunk.

    Linear prediction (lpc.py): p_t = -sum_k a[k] * hist[k], hist[0] = s_{t-1}, clipped to [-1, 1];
    the network sees the class of p_t and predicts the class of the excitation e_t; the sample is
    s_t = class(clip(p_t + decode(e_t))), and its decoded value enters the history."""

    def __init__(self, w: dict, cond: np.ndarray, lpc: np.ndarray, hop: int):
        self.w, self.cond, self.lpc, self.hop = w, cond, lpc, hop
        self.h1_dim = w["embed"].shape[1] // 2
        self.h2_dim = w["gru_wh"].shape[0]
        self.h1, self.h2 = np.zeros(self.h1_dim), np.zeros(self.h2_dim)
        self.hist = np.zeros(lpc.shape[1])

    def prediction(self, t: int) -> float:
        return float(min(1.0, max(-1.0, -self.lpc[t // self.hop] @ self.hist)))

    def push(self, cls: int) -> None:
        self.hist = np.concatenate([[decode(np.array(cls))[()]], self.hist[:-1]])

    def step(self, t: int, prev: int, pred: int) -> np.ndarray:
        w, cond, H1, H2 = self.w, self.cond, self.h1_dim, self.h2_dim
        i, k = divmod(t, self.hop)
        pos = (k + 0.5) / self.hop - 0.5
        c = (-pos * cond[i] + (1 + pos) * cond[i + 1]) if pos < 0 else ((1 - pos) * cond[i + 1] + pos * cond[i + 2])
        x1 = c[:2 * H1] + w["embed"][prev] + w["embed_pred"][pred]
        z1, k1 = _sigmoid(x1[:H1]), x1[H1:]
        self.h1 = self.h1 + z1 * (np.where(k1 >= 0, k1 + 0.5, _sigmoid(k1)) - self.h1)
        gi = c[2 * H1:] + self.h1 @ w["gru_wi"]
        gh = self.h2 @ w["gru_wh"] + w["gru_bh"]
        r = _sigmoid(gi[:H2] + gh[:H2])
        z = _sigmoid(gi[H2:2 * H2] + gh[H2:2 * H2])
        n = np.tanh(gi[2 * H2:] + r * gh[2 * H2:])
        self.h2 = n + z * (self.h2 - n)
        return np.maximum(self.h2 @ w["fc1_w"] + w["fc1_b"], 0) @ w["fc2_w"] + w["fc2_b"]


def _stepper(w: dict, mel: np.ndarray, blocks: int, hop: int) -> _Stepper:
    context = (mel.shape[0] - blocks - 2) // 2
    return _Stepper(w, conditioning(w, mel), lpc_rows(mel, context, blocks, LPC_ORDER), hop)


def reference_logits(w: dict, mel: np.ndarray, prev: np.ndarray, pred: np.ndarray, hop: int) -> np.ndarray:
    """Teacher-forced logits [len(prev), classes] given the classes of the previous samples and of
    the predictions. mel: raw log-mel [F + 2 + 2*context, n_mels]."""
    stepper = _stepper(w, mel, len(prev) // hop, hop)
    return np.array([stepper.step(t, int(p), int(q)) for t, (p, q) in enumerate(zip(prev, pred))])


def reference_generate(w: dict, mel: np.ndarray, uniforms: np.ndarray, prev0: int, hop: int) -> tuple[np.ndarray, np.ndarray]:
    """Samples len(uniforms) samples as the engines do, from an empty history: the excitation class
    is the first whose cumulative softmax probability reaches u. Returns (classes of the samples,
    near-tie flags): a near-tie is a uniform within NEAR_TIE of a class boundary of the cdf, or a
    prediction or sample within QUANT_TIE (in class units) of a mu-law rounding boundary; float32
    rounding may decide those either way."""
    stepper = _stepper(w, mel, len(uniforms) // hop, hop)
    classes, ties, prev = [], [], prev0
    for t, u in enumerate(uniforms):
        p = stepper.prediction(t)
        p_pos = float(mulaw_position(p))
        logits = stepper.step(t, prev, int(np.floor(p_pos + 0.5)))
        q = np.exp(logits - logits.max())
        cdf = np.cumsum(q / q.sum())
        e_cls = int(min(np.searchsorted(cdf, u, side="left"), len(cdf) - 1))
        lower = cdf[e_cls - 1] if e_cls > 0 else 0.0
        s_pos = float(mulaw_position(p + decode(np.array(e_cls))[()]))
        cls = int(np.floor(s_pos + 0.5))
        # p == 0 (an empty history) sits on a boundary but is exact in any precision
        quant = min(_to_rounding_boundary(p_pos) if p != 0 else 0.5, _to_rounding_boundary(s_pos))
        ties.append(bool(min(abs(cdf[e_cls] - u), abs(u - lower)) < NEAR_TIE or quant < QUANT_TIE))
        classes.append(cls)
        stepper.push(cls)
        prev = cls
    return np.array(classes), np.array(ties)


def mulberry32(state: int, count: int) -> np.ndarray:
    """The engines' seeded uniforms (src/pipeline/vocoder/rng.ts): 24-bit uniforms in [0, 1)."""
    out, s = np.empty(count), state & 0xFFFFFFFF
    m = 0xFFFFFFFF
    imul = lambda a, b: (a * b) & m
    for i in range(count):
        s = (s + 0x6D2B79F5) & m
        t = imul(s ^ (s >> 15), s | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & m
        r = (t ^ (t >> 14)) & m
        out[i] = (r >> 8) / 16777216
    return out


def load_engine_tensors(models_dir: Path) -> tuple[dict, dict, str]:
    """models_dir's exported vocoder -> (float64 tensors by name, manifest section, weights sha256)."""
    section = json.loads((Path(models_dir) / "manifest.json").read_text())["vocoder"]
    raw = (Path(models_dir) / section["files"]["weights"]["file"]).read_bytes()
    flat = np.frombuffer(raw, dtype="<f4")
    tensors = {name: flat[t["offset"]: t["offset"] + int(np.prod(t["shape"]))].reshape(t["shape"]).astype(np.float64)
               for name, t in section["tensors"].items()}
    return tensors, section, hashlib.sha256(raw).hexdigest()


# A uniform closer than this to a class boundary is a near-tie: float32 engines may decide it either
# way (their logits differ from float64 by ~1e-5 relative), and the streams part ways from there.
NEAR_TIE = 2e-5
# The same for mu-law rounding of a prediction or a sample, in class units (float32 log1p: ~1e-5).
QUANT_TIE = 1e-3


def parity_fixture(models_dir: Path, blocks: int = 4, seeds: range = range(1, 65)) -> dict:
    """The mel of a voiced test signal, padded as a fresh stream pads it, and of `seeds` the one
    whose sampled classes run longest before a near-tie: its uniforms, classes, near-tie positions, the
    blocks' LPC rows (lpc.py, for src/pipeline/vocoder/lpc.ts), and
    `safePrefix`, how many leading classes every correct engine must reproduce exactly."""
    w, section, sha = load_engine_tensors(models_dir)
    hop, context = section["hopLength"], section["context"]
    rate = SYNTH_MEL["sampleRate"]
    t = np.arange(int(0.3 * rate)) / rate
    f0 = 130 + 30 * t
    phase = 2 * np.pi * np.cumsum(f0) / rate
    audio = sum(0.1 / h * np.sin(h * phase) for h in range(1, 12)) + 0.003 * np.random.default_rng(0).normal(size=t.size)
    mel = log_mel(audio.astype(np.float32), SYNTH_MEL).astype(np.float32)
    # A fresh stream repeats its first frame context + 1 times before the utterance (model.py).
    rows = np.concatenate([np.repeat(mel[:1], context + 1, axis=0), mel])[: blocks + 2 + 2 * context]
    rows = rows.astype(np.float32).astype(np.float64)       # the fixture's float32 mel is the input
    prev0 = section["hparams"]["classes"] // 2
    best = None
    for seed in seeds:
        uniforms = mulberry32(seed, blocks * hop).astype(np.float32)
        classes, ties = reference_generate(w, rows, uniforms.astype(np.float64), prev0, hop)
        at = np.flatnonzero(ties)
        safe = int(at[0]) if len(at) else len(classes)
        if best is None or safe > best[0]:
            best = (safe, seed, uniforms, classes, at)
    safe, seed, uniforms, classes, at = best
    lpc = lpc_rows(rows, context, blocks, LPC_ORDER)
    return {"weightsSha256": sha, "blocks": blocks, "rows": int(len(rows)), "nMels": int(rows.shape[1]),
            "mel": [float(v) for v in rows.astype(np.float32).ravel()], "seed": seed, "nearTie": NEAR_TIE,
            "quantTie": QUANT_TIE, "lpc": [float(v) for v in lpc.ravel()], "lpcOrder": LPC_ORDER,
            "uniforms": [float(u) for u in uniforms], "prev0": prev0, "safePrefix": safe,
            "classes": classes.tolist(), "nearTies": at.tolist()}


def write_parity_fixture(models_dir: Path, out: Path) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(parity_fixture(models_dir)) + "\n")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=Path, default=REPO / "models")
    ap.add_argument("--out", type=Path, default=REPO / "test" / "fixtures" / "vocoder" / "parity.json")
    a = ap.parse_args()
    print(f"wrote {write_parity_fixture(a.models, a.out)}")


if __name__ == "__main__":
    main()
