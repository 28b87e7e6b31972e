"""Vocoder recipe: the exported engine tensors compute what the trained model computes, and a tiny
pack -> train -> export run produces loadable files and a manifest section."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch

from clonecast_train.vocoder.export import engine_tensors
from clonecast_train.vocoder.model import Vocoder, VocoderConfig, min_gru_scan, normalise_mel
from clonecast_train.vocoder.mulaw import decode, deemphasize, encode

TRAINING = Path(__file__).resolve().parents[1]
TINY = {"cond_channels": 8, "hidden1": 16, "hidden2": 8, "cond2": 8, "fc": 8}


def engine_logits(w: dict, cfg: VocoderConfig, mel: np.ndarray, prev: np.ndarray) -> np.ndarray:
    """Step-by-step inference arithmetic (as the ONNX Loop / native addon), teacher-forced with `prev`.

    mel: raw log-mel [F + 2 + 2*context, n_mels]; prev: [F*hop] classes. Returns logits [F*hop, classes].
    """
    def conv(x, wt, b):  # x [rows, in], wt [out, in, k] -> valid conv, leaky relu
        k = wt.shape[2]
        out = np.stack([b + np.einsum("oik,ki->o", wt, x[r:r + k]) for r in range(len(x) - k + 1)])
        return np.where(out >= 0, out, 0.1 * out)

    h = conv(conv(mel, w["conv1_w"], w["conv1_b"]), w["conv2_w"], w["conv2_b"])
    cond = h @ w["cond_w"] + w["cond_b"]                     # [F + 2, 2*H1 + 3*H2]
    hop, H1, H2 = cfg.hop, cfg.hidden1, cfg.hidden2
    h1, h2 = np.zeros(H1), np.zeros(H2)
    sig = lambda x: 1 / (1 + np.exp(-x))
    g = lambda k: np.where(k >= 0, k + 0.5, sig(k))
    logits = []
    for t in range(len(prev)):
        i, k = divmod(t, hop)
        pos = (k + 0.5) / hop - 0.5
        c = (-pos * cond[i] + (1 + pos) * cond[i + 1]) if pos < 0 else ((1 - pos) * cond[i + 1] + pos * cond[i + 2])
        x1 = c[:2 * H1] + w["embed"][prev[t]]
        h1 = h1 + sig(x1[:H1]) * (g(x1[H1:]) - h1)
        gi = c[2 * H1:] + h1 @ w["gru_wi"]
        gh = h2 @ w["gru_wh"] + w["gru_bh"]
        r = sig(gi[:H2] + gh[:H2])
        z = sig(gi[H2:2 * H2] + gh[H2:2 * H2])
        n = np.tanh(gi[2 * H2:] + r * gh[2 * H2:])
        h2 = n + z * (h2 - n)
        logits.append(np.maximum(h2 @ w["fc1_w"] + w["fc1_b"], 0) @ w["fc2_w"] + w["fc2_b"])
    return np.array(logits)


class VocoderTest(unittest.TestCase):
    def test_mulaw_round_trip(self):
        x = np.linspace(-1, 1, 1001)
        c = encode(x)
        self.assertEqual(c.min(), 0)
        self.assertEqual(c.max(), 511)
        self.assertEqual(int(encode(np.zeros(1))[0]), 256)
        self.assertLess(np.abs(decode(c) - x).max(), 0.02)
        y = deemphasize(np.array([1.0, 0.0, 0.0]), 0.97)
        np.testing.assert_allclose(y, [1.0, 0.97, 0.97 ** 2])

    def test_log_space_scan_equals_loop_scan(self):
        # GPU training uses the log-space scan, CPU training the loop: same values and gradients.
        pre = torch.randn(2, 300, 16, dtype=torch.float64, requires_grad=True)
        loop, log = min_gru_scan(pre, "loop"), min_gru_scan(pre, "log")
        torch.testing.assert_close(loop, log)
        g_loop = torch.autograd.grad((loop ** 2).sum(), pre)[0]
        g_log = torch.autograd.grad((log ** 2).sum(), pre)[0]
        torch.testing.assert_close(g_loop, g_log)

    def test_exported_tensors_compute_the_model(self):
        torch.manual_seed(0)
        cfg = VocoderConfig(**TINY)
        model = Vocoder(cfg).eval()
        frames = 2
        rng = np.random.default_rng(0)
        mel = rng.normal(-5, 2, size=(frames + 2 + 2 * cfg.context, cfg.n_mels)).astype(np.float32)
        prev = rng.integers(0, cfg.classes, size=frames * cfg.hop)
        with torch.no_grad():
            want = model(normalise_mel(torch.from_numpy(mel))[None], torch.from_numpy(prev)[None])[0].numpy()
        w = {k: v.astype(np.float64) for k, v in engine_tensors(model).items()}
        got = engine_logits(w, cfg, mel.astype(np.float64), prev)
        np.testing.assert_allclose(got, want, atol=2e-4, rtol=1e-3)

    def test_temperature_divides_the_logits(self):
        torch.manual_seed(0)
        cfg = VocoderConfig(**TINY)
        model = Vocoder(cfg).eval()
        rng = np.random.default_rng(0)
        mel = rng.normal(-5, 2, size=(1 + 2 + 2 * cfg.context, cfg.n_mels))
        prev = rng.integers(0, cfg.classes, size=cfg.hop)
        plain = engine_logits({k: v.astype(np.float64) for k, v in engine_tensors(model).items()}, cfg, mel, prev)
        sharp = engine_logits({k: v.astype(np.float64) for k, v in engine_tensors(model, 0.5).items()}, cfg, mel, prev)
        np.testing.assert_allclose(sharp, plain / 0.5, rtol=1e-5, atol=1e-5)

    def test_tiny_pack_train_export(self):
        import soundfile as sf

        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            data = tmp / "data"
            rng = np.random.default_rng(1)
            for corpus, speakers, per in (("librispeech", ["s1", "s2"], 5), ("asterisk_en", ["allison"], 3), ("asterisk_es", ["allison"], 3)):
                rows = []
                for spk in speakers:
                    (data / corpus / spk).mkdir(parents=True)
                    for u in range(per):
                        t = np.arange(16000) / 16000
                        audio = 0.2 * np.sin(2 * np.pi * (100 + 20 * u) * t) + 0.01 * rng.normal(size=t.size)
                        rel = f"{corpus}/{spk}/{u}.flac"
                        sf.write(data / rel, audio, 16000)
                        rows.append({"path": rel, "speaker": spk, "text": "", "duration_s": 1.0})
                with open(data / corpus / "metadata.csv", "w", newline="") as f:
                    wr = csv.DictWriter(f, fieldnames=["path", "speaker", "text", "duration_s"])
                    wr.writeheader()
                    wr.writerows(rows)
            env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
            run = lambda *args: subprocess.run([sys.executable, "-m", *args], cwd=TRAINING, env=env, check=True,
                                               capture_output=True, text=True).stdout
            packed = tmp / "vocoder.npz"
            report = json.loads(run("clonecast_train.vocoder.pack", "--data", str(data), "--out", str(packed), "--asterisk-every", "1"))
            self.assertEqual(len(report["heldout"]), 4)          # 2 librispeech speakers + 1 en + 1 es
            self.assertEqual(report["utterances"], 2 * 5 + 3 + 3 - 4)
            out = tmp / "run"
            log = run("clonecast_train.vocoder.train", "--data", str(packed), "--out", str(out), "--steps", "3",
                      "--batch", "2", "--frames", "2", "--config", json.dumps(TINY))
            self.assertIn("done: step 3", log)
            log = run("clonecast_train.vocoder.train", "--data", str(packed), "--out", str(out), "--steps", "5",
                      "--batch", "2", "--frames", "2", "--resume")
            self.assertIn("resumed", log)
            self.assertIn("done: step 5", log)
            models = tmp / "models"
            run("clonecast_train.vocoder.export", "--ckpt", str(out / "latest.pt"), "--models", str(models),
                "--served-engine", "griffin-lim")
            run("clonecast_train.vocoder.export", "--ckpt", str(out / "latest.pt"), "--models", str(models), "--temperature", "0.7")
            manifest = json.loads((models / "manifest.json").read_text())
            voc = manifest["vocoder"]
            self.assertEqual(voc["servedEngine"], "griffin-lim")     # a re-export keeps the directory's choice
            self.assertEqual(voc["hparams"]["temperature"], 0.7)
            self.assertEqual(voc["family"], "clonecast-wavernn")
            self.assertEqual(voc["hidden1"], TINY["hidden1"])
            self.assertEqual(voc["hparams"]["steps"], 5)
            total = sum(int(np.prod(t["shape"])) for t in voc["tensors"].values())
            self.assertEqual((models / voc["files"]["weights"]["file"]).stat().st_size, 4 * total)
            import onnx
            onnx.checker.check_model(onnx.load(str(models / voc["files"]["loop"]["file"])))


if __name__ == "__main__":
    unittest.main()
