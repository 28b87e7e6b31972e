"""Synthetic voices: roster size and names, disjoint sentences, and a tiny real corpus build."""
import csv
import tempfile
import unittest
from pathlib import Path

import soundfile as sf

from clonecast_train.sentences import eval_sentences, text_key
from clonecast_train.synthvoices import grow_voice, voice_list, voice_sentences, write_metadata


class SynthVoicesTest(unittest.TestCase):
    def test_roster_has_60_plus_distinct_voices(self):
        voices = voice_list()
        self.assertGreaterEqual(len(voices), 60)
        self.assertEqual(len({v.name for v in voices}), len(voices))
        self.assertEqual({v.engine for v in voices}, {"flite", "festival", "espeak"})

    def test_voices_read_disjoint_sentences(self):
        sents = [f"Sentence number {i} is here." for i in range(100)]
        a, b = voice_sentences(sents, 0, 7, 1), voice_sentences(sents, 1, 7, 1)
        self.assertFalse(set(a) & set(b))
        self.assertEqual(len(a) + len(b), len(set(a) | set(b)))

    def test_builds_shared_layout_with_16k_flac(self):
        voices = voice_list()
        derived = next(v for v in voices if v.sox_effects and v.engine == "flite")
        sents = ["The little dog ran across the yard.", "We had soup and bread for lunch today."]
        with tempfile.TemporaryDirectory() as d:
            out = Path(d) / "synthetic"
            for v in (voices[0], derived):
                self.assertGreater(grow_voice(v, sents, out, seconds=1.0, seed=0), 1.0)
            self.assertEqual(write_metadata(out), 2)
            with open(out / "metadata.csv", newline="") as f:
                rows = list(csv.DictReader(f))
            self.assertEqual({r["speaker"] for r in rows}, {voices[0].name, derived.name})
            for r in rows:
                info = sf.info(str(Path(d) / r["path"]))
                self.assertEqual((info.samplerate, info.channels), (16000, 1))
                self.assertAlmostEqual(info.duration, float(r["duration_s"]), places=2)
                self.assertNotIn(text_key(r["text"]), {text_key(e) for e in eval_sentences()})
            # growing again to the same target adds nothing
            grow_voice(voices[0], sents, out, seconds=1.0, seed=0)
            self.assertEqual(write_metadata(out), 2)


if __name__ == "__main__":
    unittest.main()
