"""clonecast-wavernn vocoder: model, data packing, training and export (see notes/vocoder.md)."""
