/** Validation of a VocodeRequest, shared by every engine: every problem reported at once. */
import type { VocodeRequest } from '../runtime/tasks.js';
import { VocoderError } from './errors.js';

/** Largest chunk accepted in one request (frames): 60 s of audio at hop 200 / 16 kHz. */
export const MAX_CHUNK_FRAMES = 4800;

/** @throws VocoderError `vocoder_bad_request` naming each problem. */
export function validateRequest(req: VocodeRequest, nMels: number): void {
  const problems: string[] = [];
  if (!(req.mel instanceof Float32Array)) problems.push('mel must be a Float32Array');
  if (!Number.isInteger(req.frames) || req.frames < 0 || req.frames > MAX_CHUNK_FRAMES) {
    problems.push(`frames must be an integer in [0, ${MAX_CHUNK_FRAMES}] (got ${req.frames})`);
  } else if (req.mel instanceof Float32Array && req.mel.length !== req.frames * nMels) {
    problems.push(`mel has ${req.mel.length} values, ${req.frames} frames x ${nMels} mels need ${req.frames * nMels}`);
  }
  if (req.mel instanceof Float32Array && !req.mel.every(Number.isFinite)) problems.push('mel contains NaN or infinite values');
  if (!Number.isInteger(req.seed) || req.seed < 0 || req.seed > 0xffffffff) problems.push(`seed must be an integer in [0, 2^32) (got ${req.seed})`);
  if (req.state !== null && !(req.state instanceof Uint8Array)) problems.push('state must be a Uint8Array or null');
  if (req.engine !== undefined && req.engine !== 'default' && req.engine !== 'griffin-lim') {
    problems.push(`engine must be "default" or "griffin-lim" (got ${JSON.stringify(req.engine)})`);
  }
  if (problems.length) throw new VocoderError('vocoder_bad_request', `bad vocode request: ${problems.join('; ')}`);
}
