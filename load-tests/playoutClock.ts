/**
 * A client's 20 ms playout clock, to count underruns: playback starts `prebufferMs` after the first
 * frame arrives; frame k is due at start + k x 20 ms. A frame arriving after its due time is an
 * underrun (the listener hears a gap); the clock then restarts from that frame, as a real jitter
 * buffer would, so one late burst counts once, not for every frame after it.
 */
export class PlayoutClock {
  private start: number | null = null;
  /** Frames played before the current clock anchor. */
  private anchorFrame = 0;
  private frames = 0;
  /** Gaps heard. */
  underruns = 0;
  /** Sum of gap lengths, ms. */
  gapMs = 0;
  /** Index of the frame that came late, for each underrun (where in the utterance gaps happen). */
  readonly lateFrames: number[] = [];

  constructor(
    private readonly frameMs = 20,
    private readonly prebufferMs = 40,
  ) {}

  /** Records the arrival of the next frame at `now` (ms). */
  arrive(now: number): void {
    if (this.start === null) {
      this.start = now + this.prebufferMs;
      this.anchorFrame = 0;
    } else {
      const due = this.start + (this.frames - this.anchorFrame) * this.frameMs;
      if (now > due) {
        this.underruns += 1;
        this.gapMs += now - due;
        this.lateFrames.push(this.frames);
        this.start = now; // playback resumes as this frame arrives
        this.anchorFrame = this.frames;
      }
    }
    this.frames += 1;
  }
}
