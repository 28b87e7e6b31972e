"""Packing: quantisation accuracy, what is skipped, and how speakers are capped to the budget."""
import csv
import tempfile
import unittest
from pathlib import Path

import numpy as np

from clonecast_train.sentences import eval_sentences
from clonecast_train.synthesizer.data import MEL_MAX, MEL_MIN, dequantize, pack_mel, quantize, unpack_mel
from clonecast_train.synthesizer.pack import Item, select, trimmed_mel, water_fill


class PackTest(unittest.TestCase):
    def test_quantisation_error_is_at_most_half_a_step(self):
        mel = np.random.default_rng(0).uniform(MEL_MIN, MEL_MAX, size=(50, 80)).astype(np.float32)
        err = np.abs(dequantize(quantize(mel)) - mel).max()
        self.assertLessEqual(err, (MEL_MAX - MEL_MIN) / 255 / 2 + 1e-6)

    def test_lzma_delta_packing_is_lossless(self):
        q = np.random.default_rng(1).integers(0, 256, size=(300, 80)).astype(np.uint8)
        q[100:200] = q[100]  # runs of equal frames, as in speech pauses
        np.testing.assert_array_equal(unpack_mel(pack_mel(q), np.array(q.shape)), q)

    def test_select_drops_eval_sentences_stage_notes_and_unspeakable_text(self):
        rows = [("a.flac", "v", "Hello there.", 1.0), ("b.flac", "v", eval_sentences()[0].upper(), 2.0),
                ("c.flac", "v", "at [@]", 1.0), ("d.flac", "v", "...", 1.0), ("e.flac", "v", "Press 3.", 1.0)]
        with tempfile.TemporaryDirectory() as tmp:
            md = Path(tmp) / "corpus" / "metadata.csv"
            md.parent.mkdir()
            with open(md, "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(["path", "speaker", "text", "duration_s"])
                w.writerows(rows)
            items, skipped = select([(md, "corpus")])
        self.assertEqual([it.text for it in items], ["hello there.", "press three."])
        self.assertEqual(skipped, {"eval_sentence": 1, "stage_note": 1, "unspeakable": 1})

    def test_water_fill_caps_speakers_equally_and_spares_keep_full(self):
        items = [Item(s, "c", Path(f"{s}{i}"), "x", 1.0) for s, n in (("big", 50), ("small", 5), ("real", 30)) for i in range(n)]
        kept = water_fill(items, budget_seconds=50, keep_full={"real"}, seed=0)
        count = {s: sum(it.speaker == s for it in kept) for s in ("big", "small", "real")}
        self.assertEqual(count["real"], 30)
        self.assertEqual(count["small"], 5)
        self.assertLessEqual(sum(count.values()), 50)
        self.assertGreaterEqual(count["big"], 13)

    def test_trimming_keeps_the_speech_and_a_margin(self):
        sr = 16000
        tone = 0.5 * np.sin(2 * np.pi * 220 * np.arange(sr) / sr)
        audio = np.concatenate([np.zeros(sr), tone, np.zeros(sr)]).astype(np.float32)
        mel = trimmed_mel(audio)
        self.assertTrue(80 <= len(mel) <= 80 + 2 * 3 + 6, len(mel))  # 1 s of tone = 80 frames, +- margin and window


if __name__ == "__main__":
    unittest.main()
