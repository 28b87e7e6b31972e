/**
 * Saved voices: one small JSON file per voice under `<dataDir>/voices/`. Writes are atomic (temp
 * file in the same directory, fsync, rename), so a crash never leaves a half-written voice. Ids
 * come from nanoid (21 chars of A-Za-z0-9_-): unguessable and safe as file names; any id that
 * does not match that alphabet is refused before the file system is touched.
 */
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { nanoid } from 'nanoid';
import { protocolError } from './errors.js';

export const VOICE_FILE_FORMAT = 'clonecast-voice/1';
const VOICE_ID = /^[A-Za-z0-9_-]{21}$/;
/** `<id>.json.<nanoid(8)>.tmp`, as written by writeAtomic. */
const TEMP_FILE = /^[A-Za-z0-9_-]{21}\.json\.[A-Za-z0-9_-]{8}\.tmp$/;

/** A stored voice: the speaker embedding plus how it was made. */
export interface StoredVoice {
  readonly id: string;
  readonly name: string | null;
  /** L2-normalised speaker embedding, length = the encoder's embeddingDim. */
  readonly embedding: Float32Array;
  readonly windows: number;
  readonly speechSeconds: number;
  /** ISO 8601 time of saving. */
  readonly createdAt: string;
  /** Identity of the speaker encoder that made it (e.g. its sha256), or null if unknown. */
  readonly encoder: string | null;
}

export interface VoiceStore {
  /** Persists a new voice and returns it with its fresh id. */
  save(voice: Omit<StoredVoice, 'id' | 'createdAt'>): Promise<StoredVoice>;
  /**
   * Loads a voice made by a compatible encoder.
   * @throws ProtocolError `unknown_voice` (bad id or no such voice), `voice_incompatible`.
   */
  load(id: string, expect: { readonly embeddingDim: number; readonly encoder: string | null }): Promise<StoredVoice>;
  /**
   * Deletes temp files of saves that a crash (kill -9, power loss) interrupted; returns how many.
   * Called once at server start: one server owns a data directory.
   */
  sweepInterrupted(): Promise<number>;
}

/** A store rooted at `<dataDir>/voices` (created on first save). */
export function createVoiceStore(dataDir: string): VoiceStore {
  const dir = join(dataDir, 'voices');
  return {
    async save(voice) {
      const stored: StoredVoice = { ...voice, id: nanoid(), createdAt: new Date().toISOString() };
      const body = JSON.stringify({
        format: VOICE_FILE_FORMAT,
        id: stored.id,
        name: stored.name,
        createdAt: stored.createdAt,
        encoder: stored.encoder,
        windows: stored.windows,
        speechSeconds: stored.speechSeconds,
        embedding: Array.from(stored.embedding),
      });
      await mkdir(dir, { recursive: true });
      await writeAtomic(join(dir, `${stored.id}.json`), body);
      return stored;
    },

    async load(id, expect) {
      if (!VOICE_ID.test(id)) throw protocolError('unknown_voice', 'voice ids are 21 characters of A-Za-z0-9_-');
      let text: string;
      try {
        text = await readFile(join(dir, `${id}.json`), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw protocolError('unknown_voice', `no voice ${id}`);
        throw err;
      }
      const voice = parseVoiceFile(text, id);
      if (voice.embedding.length !== expect.embeddingDim) {
        throw protocolError(
          'voice_incompatible',
          `voice ${id} has a ${voice.embedding.length}-d embedding; the loaded encoder makes ${expect.embeddingDim}-d`,
        );
      }
      if (voice.encoder !== null && expect.encoder !== null && voice.encoder !== expect.encoder) {
        throw protocolError('voice_incompatible', `voice ${id} was made by another speaker encoder`);
      }
      return voice;
    },

    async sweepInterrupted() {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
        throw err;
      }
      const temps = names.filter((name) => TEMP_FILE.test(name));
      await Promise.all(temps.map((name) => rm(join(dir, name), { force: true })));
      return temps.length;
    },
  };
}

/** Validates a voice file; a corrupt file is a server fault, reported as an Error naming the id. */
function parseVoiceFile(text: string, id: string): StoredVoice {
  const v = JSON.parse(text) as Record<string, unknown>;
  const embedding = v.embedding;
  if (
    v.format !== VOICE_FILE_FORMAT ||
    v.id !== id ||
    !Array.isArray(embedding) ||
    !embedding.every((x) => typeof x === 'number' && Number.isFinite(x))
  ) {
    throw new Error(`voice file ${id}.json is corrupt or not ${VOICE_FILE_FORMAT}`);
  }
  return {
    id,
    name: typeof v.name === 'string' ? v.name : null,
    embedding: Float32Array.from(embedding as number[]),
    windows: Number(v.windows) || 0,
    speechSeconds: Number(v.speechSeconds) || 0,
    createdAt: String(v.createdAt),
    encoder: typeof v.encoder === 'string' ? v.encoder : null,
  };
}

/** Writes `path` so that readers see either the old file or the complete new one. */
async function writeAtomic(path: string, body: string): Promise<void> {
  const temp = `${path}.${nanoid(8)}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(body, 'utf8');
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  await rename(temp, path);
}
