"""Speaker encoder recipe on tiny data: loss, partials, EER, pack, training + resume, export to ONNX.

The ONNX check runs the exported model in Node with onnxruntime-node (tests/run_encoder_onnx.mjs),
as the server does, and compares with PyTorch to 1e-4.
"""
import json
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from clonecast_train.encoder.checkpoints import latest_checkpoint, load_checkpoint, load_model
from clonecast_train.encoder.data import PackedData, dequantize, quantize
from clonecast_train.encoder.eer import equal_error_rate, pair_scores
from clonecast_train.encoder.export import export_and_register
from clonecast_train.encoder.inference import embed_utterance, embed_utterances, partial_windows
from clonecast_train.encoder.loss import GE2ELoss
from clonecast_train.encoder.model import SpeakerEncoder
from clonecast_train.encoder.pack import pack
from clonecast_train.encoder.pool import speaker_pools
from clonecast_train.encoder.speech import speech_mels
from clonecast_train.encoder.train import SegmentSampler, train

TESTS = Path(__file__).resolve().parent
torch.set_num_threads(2)


def fake_packed(n_speakers=6, utts=3, frames=260, seed=0) -> PackedData:
    """Speakers differ by a fixed spectral tilt, so a few steps of training can separate them."""
    rng = np.random.default_rng(seed)
    items = []
    for s in range(n_speakers):
        tilt = rng.normal(0, 2, size=40)
        for u in range(utts):
            mels = (-6 + tilt + rng.normal(0, 1, size=(frames + 20 * u, 40))).astype(np.float32)
            items.append((f"spk{s}", "fake", f"spk{s}/{u}.flac", mels))
    return PackedData.from_utterances(items)


class LossTest(unittest.TestCase):
    def test_ge2e_prefers_separated_speakers(self):
        loss = GE2ELoss()
        rng = torch.Generator().manual_seed(0)
        centres = torch.nn.functional.normalize(torch.randn(4, 1, 16, generator=rng), dim=-1)
        tight = torch.nn.functional.normalize(centres + 0.05 * torch.randn(4, 5, 16, generator=rng), dim=-1)
        mixed = torch.nn.functional.normalize(torch.randn(4, 5, 16, generator=rng), dim=-1)
        (l_tight, acc_tight), (l_mixed, _) = loss(tight), loss(mixed)
        self.assertLess(l_tight.item(), l_mixed.item())
        self.assertEqual(acc_tight.item(), 1.0)


class InferenceTest(unittest.TestCase):
    def test_partials_are_complete_windows_at_hop_80(self):
        frames = np.arange(400 * 40, dtype=np.float32).reshape(400, 40)
        w = partial_windows(frames)
        self.assertEqual(w.shape, (4, 160, 40))  # starts 0, 80, 160, 240 (320 would be incomplete)
        self.assertTrue(np.array_equal(w[3], frames[240:400]))
        self.assertEqual(partial_windows(frames[:159]).shape[0], 0)

    def test_embed_utterance_is_normalised_mean_of_partials(self):
        torch.manual_seed(0)
        model = SpeakerEncoder().eval()
        frames = np.random.default_rng(1).normal(-6, 2, size=(330, 40)).astype(np.float32)
        e = embed_utterance(model, frames)
        with torch.no_grad():
            parts = model(torch.from_numpy(partial_windows(frames))).numpy()
        mean = parts.mean(axis=0)
        np.testing.assert_allclose(e, mean / np.linalg.norm(mean), atol=1e-6)
        np.testing.assert_allclose(embed_utterances(model, [frames, frames[:200]])[0], e, atol=1e-6)
        with self.assertRaises(ValueError):
            embed_utterance(model, frames[:100])

    def test_speech_mels_drop_quiet_frames(self):
        t = np.arange(16000) / 16000
        audio = np.concatenate([0.3 * np.sin(2 * np.pi * 220 * t), np.zeros(8000)]).astype(np.float32)
        mels = speech_mels(audio)
        # 148 frames; frames 0..99 start before 16000 and hold >= 160 tone samples (far above -45 dBFS),
        # frames 100..147 are digital silence and are dropped.
        self.assertEqual(len(mels), 100)


class EerTest(unittest.TestCase):
    def test_eer_perfect_random_and_inverted(self):
        same = np.array([1, 1, 0, 0, 0, 0], dtype=bool)
        self.assertEqual(equal_error_rate(np.array([0.9, 0.8, 0.1, 0.2, 0.3, 0.0]), same), 0.0)
        self.assertEqual(equal_error_rate(np.array([0.0, 0.1, 0.9, 0.8, 0.7, 0.6]), same), 1.0)
        rng = np.random.default_rng(0)
        s = rng.random(20000) < 0.2
        self.assertAlmostEqual(equal_error_rate(rng.random(20000), s), 0.5, delta=0.03)

    def test_pair_scores_are_cosines(self):
        emb = np.array([[1, 0], [1, 0], [0, 1]], dtype=np.float32)
        scores, same = pair_scores(emb, np.array([0, 0, 1]))
        np.testing.assert_allclose(scores, [1, 0, 0])
        self.assertEqual(same.tolist(), [True, False, False])


class PackTest(unittest.TestCase):
    def test_quantisation_error_is_half_a_step(self):
        x = np.linspace(-13.8, 5.9, 1000, dtype=np.float32)
        self.assertLessEqual(np.max(np.abs(dequantize(quantize(x)) - x)), 20 / 255 / 2 + 1e-6)

    def test_pack_shared_layout_holds_out_multi_utterance_speakers(self):
        rng = np.random.default_rng(0)
        with tempfile.TemporaryDirectory() as d:
            root = Path(d) / "data"
            rows = ["path,speaker,text,duration_s"]
            for spk, n in (("11", 1), ("12", 1), ("13", 3), ("14", 3)):
                for u in range(n):
                    path = f"librispeech/{spk}/{u}.flac"
                    (root / "librispeech" / spk).mkdir(parents=True, exist_ok=True)
                    sf.write(str(root / path), (0.1 * rng.normal(size=40000)).astype(np.float32), 16000)
                    rows.append(f"{path},{spk},,2.5")
            (root / "librispeech" / "metadata.csv").write_text("\n".join(rows) + "\n")
            train_p, held_p = pack(root, None, Path(d) / "enc.npz", Path(d) / "eer.npz",
                                   max_speaker_seconds=2.0, budget_mb=1.0)
            self.assertEqual(sorted(train_p.speakers.tolist()), ["librispeech-11", "librispeech-12"])
            self.assertEqual(sorted(held_p.speakers.tolist()), ["librispeech-13", "librispeech-14"])
            self.assertEqual(held_p.n_utterances, 6)
            self.assertEqual(np.diff(train_p.offsets).max(), 200)  # capped at 2 s of speech frames
            loaded = PackedData.load(Path(d) / "enc.npz")
            np.testing.assert_array_equal(loaded.mels, train_p.mels)


class SamplerTest(unittest.TestCase):
    def test_segments_stay_inside_one_utterance_of_the_drawn_speaker(self):
        # Utterance u's frames all hold code 10 + 3u, so a segment's values name its utterance.
        lengths = [160, 400, 170, 900, 161, 300, 250]
        speakers = ["a", "a", "b", "b", "b", "c", "d"]
        items = [(spk, "fake", str(u), np.full((n, 40), dequantize(np.uint8(10 + 3 * u)), np.float32))
                 for u, (spk, n) in enumerate(zip(speakers, lengths))]
        data = PackedData.from_utterances(items)
        sampler = SegmentSampler(data, torch.device("cpu"), seed=0, gain_db=0.0)
        seen = set()
        for _ in range(20):
            x = sampler.batch(3, 4).numpy()
            self.assertEqual(x.shape, (12, 160, 40))
            codes = np.round((x - data.q_min) / ((data.q_max - data.q_min) / 255)).astype(int)
            utts = (codes[:, 0, 0] - 10) // 3
            for row, u in zip(codes, utts):
                self.assertTrue((row == 10 + 3 * u).all(), "a segment crossed an utterance boundary")
            spk = np.array(speakers)[utts].reshape(3, 4)
            self.assertTrue((spk == spk[:, :1]).all())          # M segments of one speaker per row
            self.assertEqual(len(set(spk[:, 0])), 3)            # N different speakers
            seen.update(spk[:, 0].tolist())
        self.assertEqual(seen, {"a", "b", "c", "d"})


class TrainExportTest(unittest.TestCase):
    def test_train_resume_pool_export_and_onnx_matches_torch(self):
        with tempfile.TemporaryDirectory() as d:
            d = Path(d)
            fake_packed(seed=0).save(d / "enc.npz")
            fake_packed(n_speakers=3, seed=1).save(d / "eer.npz")
            run = d / "run"
            train(d / "enc.npz", run, steps=3, speakers=4, per_speaker=3, eer_data=d / "eer.npz", log_every=1)
            first = load_checkpoint(run)
            self.assertEqual(first["step"], 3)
            self.assertTrue(all(isinstance(v, torch.Tensor) for v in first["model"].values()))
            train(d / "enc.npz", run, steps=5, speakers=4, per_speaker=3, log_every=1)
            self.assertEqual(load_checkpoint(run)["step"], 5)
            self.assertIsNotNone(latest_checkpoint(run))
            model = load_model(run)
            self.assertFalse(torch.equal(model.feat_mean, torch.full((40,), -6.0)))  # stats from the data

            pools = speaker_pools(model, PackedData.load(d / "enc.npz"))
            self.assertEqual(len(pools), 6)
            self.assertEqual(pools["spk0"].shape, (3, 256))

            models = d / "models"
            onnx_path = export_and_register(model, models, "test data")
            manifest = json.loads((models / "manifest.json").read_text())
            enc = manifest["encoder"]
            self.assertEqual((enc["family"], enc["partialFrames"], enc["partialHop"]), ("clonecast-ge2e", 160, 80))
            self.assertEqual(enc["file"]["bytes"], onnx_path.stat().st_size)

            node = shutil.which("node")
            if node is None:
                self.skipTest("node not installed")
            x = np.random.default_rng(3).normal(-6, 3, size=(3, 160, 40)).astype(np.float32)
            (d / "in.json").write_text(json.dumps({"batch": 3, "mels": x.ravel().tolist()}))
            out = subprocess.run([node, str(TESTS / "run_encoder_onnx.mjs"), str(onnx_path), str(d / "in.json")],
                                 check=True, capture_output=True, text=True, cwd=TESTS)
            got = json.loads(out.stdout)
            self.assertEqual(got["dims"], [3, 256])
            with torch.no_grad():
                want = model(torch.from_numpy(x)).numpy()
            np.testing.assert_allclose(np.array(got["embedding"]).reshape(3, 256), want, atol=1e-4)
            np.testing.assert_allclose(np.linalg.norm(want, axis=1), 1.0, atol=1e-5)


if __name__ == "__main__":
    unittest.main()
