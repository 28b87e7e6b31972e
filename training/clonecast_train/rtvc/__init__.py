"""Import of CorentinJ/Real-Time-Voice-Cloning (RTVC) checkpoints: this project's own
reimplementation of RTVC's three networks (GE2E encoder, Tacotron, WaveRNN), built from the
dimensions found in a checkpoint's state dict, exported to ONNX with a manifest (docs/models.md).
"""
