"""Random checkpoints in the layout of RTVC's released files load into the importer's networks with
RTVC's full-size dimensions and parameter counts (shapes.json)."""
import json
import unittest

from clonecast_train.rtvc.checkpoint import Checkpoint
from clonecast_train.rtvc.encoder import SpeakerEncoder
from clonecast_train.rtvc.random_checkpoints import build_state
from clonecast_train.rtvc.tacotron import Tacotron
from clonecast_train.rtvc.wavernn import WaveRnn
from tests.rtvc_fixtures import fixture, setup_torch


class RandomCheckpointTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        setup_torch()
        cls.shapes = json.loads(fixture("shapes.json").read_text())["checkpoints"]

    def load(self, name: str, cls):
        info = self.shapes[name]
        state = build_state(info["model_state"], seed=1)
        model = cls.from_checkpoint(Checkpoint(path=fixture("shapes.json"), kind=name, state=state, step=None))
        return model, info["n_params"]

    def test_full_size_layouts_load_with_rtvc_parameter_counts(self):
        enc, n = self.load("encoder.pt", SpeakerEncoder)
        self.assertEqual(sum(p.numel() for p in enc.parameters()) + 2, n)  # + similarity weight and bias
        taco, n = self.load("synthesizer.pt", Tacotron)
        self.assertEqual(sum(p.numel() for p in taco.parameters()), n)
        self.assertEqual((taco.dims.embed_dims, taco.dims.lstm_dims, taco.dims.postnet_dims, taco.dims.r), (512, 1024, 512, 2))
        voc, n = self.load("vocoder.pt", WaveRnn)
        self.assertEqual(sum(p.numel() for p in voc.parameters()), n)
        self.assertEqual((voc.dims.rnn_dims, voc.dims.res_blocks, voc.dims.aux_dims), (512, 10, 32))


if __name__ == "__main__":
    unittest.main()
