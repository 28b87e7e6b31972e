"""GE2E speaker encoder: model, packed features, training, pooling, EER and ONNX export.

Run `python -m clonecast_train.encoder --help` from training/ for the subcommands.
"""
