// Playout on the audio thread: a ring buffer of mono samples fed from the main thread, with a small
// jitter buffer (playback starts, or restarts after running dry, once `jitterSamples` are queued, or
// at once when the utterance's end has arrived). Each underrun mid-utterance grows the jitter buffer
// by 20 ms, up to 200 ms: a loaded machine or network gets a deeper cushion, a quiet one keeps low
// latency. Reports counters so the page (and tests) can see how many samples reached the output.
class PlayoutProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const { capacity, jitterSamples } = options.processorOptions;
    this.ring = new Float32Array(capacity);
    this.readAt = 0;
    this.size = 0;
    this.jitterSamples = jitterSamples;
    this.playing = false;
    this.ending = false;
    this.counters = { received: 0, played: 0, dropped: 0, underruns: 0, flushed: 0 };
    this.blocks = 0;
    this.port.onmessage = (event) => this.onMessage(event.data);
  }

  onMessage(message) {
    if (message.type === 'samples') this.enqueue(message.samples);
    else if (message.type === 'end') this.ending = true;
    else if (message.type === 'flush') {
      this.counters.flushed += this.size;
      this.size = 0;
      this.playing = false;
      this.ending = false;
      this.report();
    }
  }

  enqueue(samples) {
    const capacity = this.ring.length;
    for (let i = 0; i < samples.length; i++) {
      if (this.size === capacity) {
        this.counters.dropped += samples.length - i;
        break;
      }
      this.ring[(this.readAt + this.size) % capacity] = samples[i];
      this.size++;
    }
    this.counters.received += samples.length;
  }

  process(_inputs, outputs) {
    const out = outputs[0];
    const n = out[0].length;
    if (!this.playing && this.size > 0 && (this.size >= this.jitterSamples || this.ending)) this.playing = true;
    let written = 0;
    if (this.playing) {
      written = Math.min(n, this.size);
      for (let i = 0; i < written; i++) out[0][i] = this.ring[(this.readAt + i) % this.ring.length];
      this.readAt = (this.readAt + written) % this.ring.length;
      this.size -= written;
      this.counters.played += written;
      if (this.size === 0) {
        if (!this.ending) {
          this.counters.underruns++;
          this.jitterSamples = Math.min(0.2 * sampleRate, this.jitterSamples + 0.02 * sampleRate);
        }
        this.playing = false;
        this.ending = false;
      }
    }
    for (let i = written; i < n; i++) out[0][i] = 0;
    for (let c = 1; c < out.length; c++) out[c].set(out[0]);
    if (++this.blocks % 8 === 0) this.report();
    return true;
  }

  report() {
    this.port.postMessage({ ...this.counters, buffered: this.size, jitterMs: (1000 * this.jitterSamples) / sampleRate });
  }
}

registerProcessor('clonecast-playout', PlayoutProcessor);
