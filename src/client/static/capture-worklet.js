// Microphone capture on the audio thread: the context runs at 16 kHz, so each 320-sample block is
// one 20 ms frame of 16-bit PCM, posted (with its RMS level for the meter) as soon as it is full.
const FRAME = 320;

class CaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.frame = new Int16Array(FRAME);
    this.filled = 0;
    this.energy = 0;
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    for (let i = 0; i < channel.length; i++) {
      const x = Math.max(-1, Math.min(1, channel[i]));
      this.frame[this.filled++] = x < 0 ? x * 32768 : x * 32767;
      this.energy += x * x;
      if (this.filled === FRAME) {
        this.port.postMessage({ pcm: this.frame.buffer, rms: Math.sqrt(this.energy / FRAME) }, [this.frame.buffer]);
        this.frame = new Int16Array(FRAME);
        this.filled = 0;
        this.energy = 0;
      }
    }
    return true;
  }
}

registerProcessor('clonecast-capture', CaptureProcessor);
