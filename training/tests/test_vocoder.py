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
from clonecast_train.vocoder.reference import mulberry32, reference_generate, reference_logits

TRAINING = Path(__file__).resolve().parents[1]
TINY = {"cond_channels": 8, "hidden1": 16, "hidden2": 8, "cond2": 8, "fc": 8}


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
        got = reference_logits(w, mel.astype(np.float64), prev, cfg.hop)
        np.testing.assert_allclose(got, want, atol=2e-4, rtol=1e-3)

    def test_generation_samples_the_teacher_forced_distribution(self):
        # reference_generate feeds back its own classes: teacher-forcing the model with them gives
        # the logits it sampled from, and each class is the inverse-CDF pick of its uniform.
        torch.manual_seed(1)
        cfg = VocoderConfig(**TINY)
        model = Vocoder(cfg).eval()
        w = {k: v.astype(np.float64) for k, v in engine_tensors(model).items()}
        mel = np.random.default_rng(2).normal(-5, 2, size=(1 + 2 + 2 * cfg.context, cfg.n_mels))
        u = mulberry32(7, cfg.hop)
        classes, margins = reference_generate(w, mel, u, cfg.classes // 2, cfg.hop)
        prev = np.concatenate([[cfg.classes // 2], classes[:-1]])
        with torch.no_grad():
            logits = model(normalise_mel(torch.from_numpy(mel).float())[None], torch.from_numpy(prev)[None])[0].double().numpy()
        cdf = np.cumsum(np.exp(logits) / np.exp(logits).sum(1, keepdims=True), axis=1)
        picked = np.minimum((cdf < u[:, None]).sum(1), cfg.classes - 1)
        sure = margins > 1e-4
        np.testing.assert_array_equal(picked[sure], classes[sure])
        self.assertGreater(sure.mean(), 0.9)

    def test_mulberry32_matches_the_engines_generator(self):
        # The first uniforms of seed 1 as src/pipeline/vocoder/rng.ts draws them.
        np.testing.assert_array_equal(mulberry32(1, 3) * 16777216, [10520554, 45897, 8849092])

    def test_temperature_divides_the_logits(self):
        torch.manual_seed(0)
        cfg = VocoderConfig(**TINY)
        model = Vocoder(cfg).eval()
        rng = np.random.default_rng(0)
        mel = rng.normal(-5, 2, size=(1 + 2 + 2 * cfg.context, cfg.n_mels))
        prev = rng.integers(0, cfg.classes, size=cfg.hop)
        plain = reference_logits({k: v.astype(np.float64) for k, v in engine_tensors(model).items()}, mel, prev, cfg.hop)
        sharp = reference_logits({k: v.astype(np.float64) for k, v in engine_tensors(model, 0.5).items()}, mel, prev, cfg.hop)
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
            slim = tmp / "slim.pt"
            subprocess.run([sys.executable, str(TRAINING / "scripts" / "slim_checkpoint.py"), str(out / "latest.pt"), str(slim), "--half"],
                           env=env, check=True, capture_output=True)
            log = run("clonecast_train.vocoder.train", "--data", str(packed), "--out", str(tmp / "run2"), "--steps", "7",
                      "--batch", "2", "--frames", "2", "--init", str(slim))
            self.assertIn("initialised from", log)
            self.assertIn("done: step 7", log)
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
