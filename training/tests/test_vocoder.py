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

from clonecast_train.features import SYNTH_MEL, log_mel, preemphasize
from clonecast_train.vocoder.export import engine_tensors
from clonecast_train.vocoder.lpc import ORDER, MelLpc, levinson, predict
from clonecast_train.vocoder.model import Vocoder, VocoderConfig, min_gru_scan, normalise_mel
from clonecast_train.vocoder.mulaw import decode, deemphasize, encode
from clonecast_train.vocoder.reference import lpc_rows, mulberry32, reference_generate, reference_logits

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
        pred = rng.integers(0, cfg.classes, size=frames * cfg.hop)
        with torch.no_grad():
            want = model(normalise_mel(torch.from_numpy(mel))[None], torch.from_numpy(prev)[None], torch.from_numpy(pred)[None])[0].numpy()
        w = {k: v.astype(np.float64) for k, v in engine_tensors(model).items()}
        got = reference_logits(w, mel.astype(np.float64), prev, pred, cfg.hop)
        np.testing.assert_allclose(got, want, atol=2e-4, rtol=1e-3)

    def test_generation_samples_the_teacher_forced_distribution(self):
        # reference_generate feeds back its own samples: rebuilding the predictions from them and
        # teacher-forcing the model gives the logits it sampled from; each excitation is the
        # inverse-CDF pick of its uniform, and prediction + excitation lands on the sample's class.
        torch.manual_seed(1)
        cfg = VocoderConfig(**TINY)
        model = Vocoder(cfg).eval()
        w = {k: v.astype(np.float64) for k, v in engine_tensors(model).items()}
        t = np.arange(3000) / 16000
        voiced = log_mel(0.3 * np.sign(np.sin(2 * np.pi * 120 * t)) * np.hanning(t.size), SYNTH_MEL)[:1]
        mel = np.repeat(voiced, 1 + 2 + 2 * cfg.context, axis=0).astype(np.float64)
        u = mulberry32(7, cfg.hop)
        classes, ties = reference_generate(w, mel, u, cfg.classes // 2, cfg.hop)
        prev = np.concatenate([[cfg.classes // 2], classes[:-1]])
        history = np.concatenate([np.zeros(ORDER), decode(classes)])
        p = np.clip(predict(lpc_rows(mel, cfg.context, 1, ORDER), history, cfg.hop), -1, 1)
        pred = encode(p)
        with torch.no_grad():
            logits = model(normalise_mel(torch.from_numpy(mel).float())[None], torch.from_numpy(prev)[None],
                           torch.from_numpy(pred)[None])[0].double().numpy()
        cdf = np.cumsum(np.exp(logits) / np.exp(logits).sum(1, keepdims=True), axis=1)
        excitation = np.minimum((cdf < u[:, None]).sum(1), cfg.classes - 1)
        rebuilt = encode(np.clip(p + decode(excitation), -1, 1))
        sure = ~ties
        np.testing.assert_array_equal(rebuilt[sure], classes[sure])
        self.assertGreater(sure.mean(), 0.9)
        self.assertGreater(np.abs(p).max(), 0.01)          # the history did predict something

    def test_levinson_solves_the_normal_equations(self):
        rng = np.random.default_rng(3)
        x = rng.normal(size=4000)
        x = np.convolve(x, [1.0, 0.9, 0.5, 0.2])           # a coloured process
        r = np.array([[x[: len(x) - k] @ x[k:] for k in range(ORDER + 1)]])
        a = levinson(r)[0]
        toeplitz = np.array([[r[0, abs(i - j)] for j in range(ORDER)] for i in range(ORDER)])
        np.testing.assert_allclose(toeplitz @ a, -r[0, 1:], rtol=1e-8, atol=1e-8)

    def test_the_mel_predicts_a_voiced_signal(self):
        # A pulse train through two formant resonators: the mel's envelope predicts most of it.
        from scipy.signal import lfilter
        rate = SYNTH_MEL["sampleRate"]
        pulses = np.zeros(rate // 2)
        pulses[:: rate // 110] = 1.0
        audio = pulses
        for f, bw in ((700, 130), (1200, 150)):
            radius = np.exp(-np.pi * bw / rate)
            audio = lfilter([1.0], [1.0, -2 * radius * np.cos(2 * np.pi * f / rate), radius ** 2], audio)
        audio = 0.5 * audio / np.abs(audio).max()
        mel = log_mel(audio, SYNTH_MEL)
        s = preemphasize(audio, SYNTH_MEL["preemphasis"])
        hop, offset = SYNTH_MEL["hopLength"], (SYNTH_MEL["winLength"] - SYNTH_MEL["hopLength"]) // 2
        n = len(mel) * hop
        p = predict(MelLpc(SYNTH_MEL)(mel), s[offset - ORDER: offset + n], hop)
        target = s[offset: offset + n]
        gain_db = 10 * np.log10((target ** 2).sum() / ((target - p) ** 2).sum())
        self.assertGreater(gain_db, 6.0)

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
        pred = rng.integers(0, cfg.classes, size=cfg.hop)
        plain = reference_logits({k: v.astype(np.float64) for k, v in engine_tensors(model).items()}, mel, prev, pred, cfg.hop)
        sharp = reference_logits({k: v.astype(np.float64) for k, v in engine_tensors(model, 0.5).items()}, mel, prev, pred, cfg.hop)
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
