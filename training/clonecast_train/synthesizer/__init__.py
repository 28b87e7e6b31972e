"""Synthesizer recipe (clonecast-durtts): model, alignment, packing, training, export. CLI: `python -m clonecast_train.synthesizer -h`."""
