"""Corpus readers and audio loading on tiny fake layouts built in a temp dir."""
import tempfile
import unittest
from pathlib import Path

import numpy as np
import soundfile as sf

from clonecast_train.audio import load_audio, resample, write_flac
from clonecast_train.corpora import read_librispeech, read_ljspeech, read_shared, read_vctk


def tone(seconds: float, rate: int, hz: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


class AudioTest(unittest.TestCase):
    def test_load_resamples_stereo_48k_to_mono_16k(self):
        with tempfile.TemporaryDirectory() as d:
            x = tone(0.5, 48000)
            sf.write(f"{d}/a.wav", np.stack([x, x], axis=1), 48000)
            y = load_audio(f"{d}/a.wav")
            self.assertEqual(y.dtype, np.float32)
            self.assertEqual(y.shape, (8000,))
            # a 440 Hz tone survives resampling: its spectrum peaks at 440 Hz.
            peak_hz = np.argmax(np.abs(np.fft.rfft(y))) * 16000 / len(y)
            self.assertAlmostEqual(peak_hz, 440, delta=4)

    def test_resample_identity_and_flac_roundtrip(self):
        x = tone(0.1, 16000)
        self.assertIs(resample(x, 16000).dtype, np.dtype(np.float32))
        with tempfile.TemporaryDirectory() as d:
            write_flac(f"{d}/sub/x.flac", x)
            y = load_audio(f"{d}/sub/x.flac")
            self.assertLess(np.max(np.abs(x - y)), 1e-4)


class CorporaTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def touch_audio(self, path: Path, suffix_rate: int = 16000):
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(path), tone(0.05, suffix_rate), suffix_rate)

    def test_shared_layout(self):
        self.touch_audio(self.root / "c/s1/a.flac")
        (self.root / "c/metadata.csv").write_text('path,speaker,text,duration_s\nc/s1/a.flac,s1,"Hi, there.",0.05\n')
        (u,) = list(read_shared(self.root, "c"))
        self.assertEqual((u.speaker, u.text, u.corpus), ("s1", "Hi, there.", "c"))
        self.assertTrue(u.path.exists())

    def test_librispeech_layout(self):
        chap = self.root / "19/198"
        for n in range(2):
            self.touch_audio(chap / f"19-198-000{n}.flac")
        (chap / "19-198.trans.txt").write_text("19-198-0000 HELLO WORLD\n19-198-0001 SECOND ONE\n19-198-0002 NO AUDIO\n")
        utts = list(read_librispeech(self.root))
        self.assertEqual([u.text for u in utts], ["HELLO WORLD", "SECOND ONE"])
        self.assertEqual({u.speaker for u in utts}, {"19"})

    def test_vctk_layout_keeps_one_mic(self):
        self.touch_audio(self.root / "wav48_silence_trimmed/p225/p225_001_mic1.flac")
        self.touch_audio(self.root / "wav48_silence_trimmed/p225/p225_001_mic2.flac")
        self.touch_audio(self.root / "wav48/p226/p226_002.wav")
        (self.root / "txt/p225").mkdir(parents=True)
        (self.root / "txt/p225/p225_001.txt").write_text("Please call Stella.\n")
        utts = sorted(read_vctk(self.root), key=lambda u: u.speaker)
        self.assertEqual([(u.speaker, u.text) for u in utts], [("p225", "Please call Stella."), ("p226", "")])

    def test_ljspeech_layout(self):
        self.touch_audio(self.root / "wavs/LJ001-0001.wav")
        (self.root / "metadata.csv").write_text("LJ001-0001|Printing, in 1 sense|Printing, in one sense\nLJ001-0002|missing|missing\n")
        (u,) = list(read_ljspeech(self.root))
        self.assertEqual((u.speaker, u.text), ("lj", "Printing, in one sense"))


if __name__ == "__main__":
    unittest.main()
