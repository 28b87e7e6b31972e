"""clonecast training recipes: data, features, and the three SV2TTS stages."""
