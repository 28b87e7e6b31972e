{
  "targets": [
    {
      "target_name": "clonecast_vocoder",
      "sources": ["src/addon.cc", "src/sampleLoop.cc", "src/conditioning.cc"],
      "cflags!": ["-O2", "-O1"],
      "cflags_cc!": ["-O2", "-O1"],
      "cflags": ["-O3", "-march=native", "-ffast-math", "-fno-finite-math-only"],
      "cflags_cc": ["-O3", "-march=native", "-ffast-math", "-fno-finite-math-only", "-std=c++17"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-ffast-math"] }
    }
  ]
}
