"""The exported ONNX graphs, run by onnxruntime-node as the server runs them, match PyTorch."""
import tempfile
import unittest
from pathlib import Path

import torch

from clonecast_train.synthesizer.__main__ import random_model
from clonecast_train.synthesizer.export import export_onnx
from clonecast_train.synthesizer.parity import TOLERANCE, check_parity


class ExportTest(unittest.TestCase):
    def test_onnx_matches_pytorch_and_chunks_match_whole(self):
        torch.set_num_threads(2)
        model = random_model(seed=3)
        with tempfile.TemporaryDirectory() as tmp:
            export_onnx(model, Path(tmp))
            diffs = check_parity(model, Path(tmp), write_fixture=False)
        for name, diff in diffs.items():
            self.assertLessEqual(diff, TOLERANCE, name)

    def test_a_different_model_fails_the_parity_check(self):
        with tempfile.TemporaryDirectory() as tmp:
            export_onnx(random_model(seed=3), Path(tmp))
            with self.assertRaises(AssertionError):
                check_parity(random_model(seed=4), Path(tmp), write_fixture=False)


if __name__ == "__main__":
    unittest.main()
