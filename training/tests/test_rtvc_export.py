"""The importer writes a complete model directory (checked ONNX graphs + manifest) and refuses a bad
checkpoint before writing anything. The graphs' numbers are checked through onnxruntime-node by
test/pipeline/rtvc (Python onnxruntime is not installed here)."""
import hashlib
import json
import tempfile
import unittest
from pathlib import Path

import onnx

from clonecast_train.rtvc.export import main
from tests.rtvc_fixtures import fixture, setup_torch


class ExportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        setup_torch()
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = Path(cls.tmp.name) / "models"
        code = main(["--encoder", str(fixture("small_encoder.pt")), "--synthesizer", str(fixture("small_synthesizer.pt")),
                     "--vocoder", str(fixture("small_vocoder.pt")), "--out", str(cls.out)])
        assert code == 0
        cls.manifest = json.loads((cls.out / "manifest.json").read_text())

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_manifest_names_the_rtvc_families_and_the_checkpoint_facts(self):
        m = self.manifest
        self.assertEqual(m["format"], "clonecast-models/1")
        self.assertEqual([m[s]["family"] for s in ("encoder", "synthesizer", "vocoder")], ["rtvc-ge2e", "rtvc-tacotron", "rtvc-wavernn"])
        self.assertEqual(len(m["synthesizer"]["symbols"]), 66)
        self.assertEqual((m["synthesizer"]["eosId"], m["synthesizer"]["r"]), (1, 2))
        self.assertEqual(m["encoder"]["source"], {"file": "small_encoder.pt", "step": 12345, "parameters": 1423616})
        self.assertEqual(m["vocoder"]["hparams"]["rnn_dims"], 64)
        self.assertEqual(m["vocoder"]["servedLoop"], "float32")  # RTVC's arithmetic unless --int8-vocoder
        self.assertEqual(m["synthesizer"]["servedDecoder"], "float32")  # RTVC's arithmetic unless --int8-decoder
        self.assertEqual(m["vocoder"]["sampleLoopInt8"]["inputs"]["aux_offset"], [-1, 1])  # the int8 loop reads aux per frame
        self.assertNotIn("streamFolds", m["vocoder"])  # RTVC's unbatched mode unless --stream-folds
        for section in ("encoder", "synthesizer", "vocoder"):
            self.assertIn(m[section]["features"], m["features"])

    def test_every_file_entry_matches_its_file_and_every_graph_is_valid_onnx(self):
        entries = []

        def walk(v):
            if isinstance(v, dict):
                if "sha256" in v and isinstance(v.get("file"), str):
                    entries.append(v)
                for x in v.values():
                    walk(x)
        walk(self.manifest)
        self.assertEqual(len(entries), 10)
        for e in entries:
            data = (self.out / e["file"]).read_bytes()
            self.assertEqual((len(data), hashlib.sha256(data).hexdigest()), (e["bytes"], e["sha256"]), e["file"])
            model = onnx.load(str(self.out / e["file"]))
            onnx.checker.check_model(model)
            self.assertEqual(model.opset_import[0].version, 14)

    def test_the_int8_flags_choose_the_served_graphs(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "models"
            code = main(["--encoder", str(fixture("small_encoder.pt")), "--synthesizer", str(fixture("small_synthesizer.pt")),
                         "--vocoder", str(fixture("small_vocoder.pt")), "--out", str(out), "--int8-vocoder", "--int8-decoder"])
            self.assertEqual(code, 0)
            m = json.loads((out / "manifest.json").read_text())
            self.assertEqual((m["vocoder"]["servedLoop"], m["synthesizer"]["servedDecoder"]), ("int8", "int8"))

    def test_a_bad_checkpoint_is_refused_and_nothing_is_written(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "models"
            code = main(["--encoder", str(fixture("small_vocoder.pt")), "--synthesizer", str(fixture("small_synthesizer.pt")),
                         "--vocoder", str(fixture("small_vocoder.pt")), "--out", str(out)])
            self.assertEqual(code, 2)
            self.assertFalse(out.exists())


if __name__ == "__main__":
    unittest.main()
