/**
 * `CursorSealer` with AES-256-GCM: a cursor is base64url of a version byte, a random 96-bit nonce,
 * the encrypted position and the 128-bit tag; the list it belongs to is the additional authenticated
 * data, so a cursor opened for another list fails its tag. The key is derived (HKDF-SHA256) from a
 * secret the service holds (Secrets Manager; `.local/` in local mode), read once per container.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { CursorSealer } from '../../application/ports/cursor-sealer.ts';
import type { Secret } from '../../domain/secret.ts';

const VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class AesCursorSealer implements CursorSealer {
  readonly #loadSecret: () => Promise<Secret | undefined>;
  #key: Promise<Buffer> | undefined;

  constructor(loadSecret: () => Promise<Secret | undefined>) {
    this.#loadSecret = loadSecret;
  }

  #keyOnce(): Promise<Buffer> {
    if (!this.#key) {
      const loading = this.#loadSecret().then((secret) => {
        if (!secret) throw new Error('The cursor key secret is missing.');
        return Buffer.from(hkdfSync('sha256', secret.reveal(), '', 'vpp-manager list cursors v1', 32));
      });
      // A failed read is tried again on the next request, not remembered.
      loading.catch(() => {
        if (this.#key === loading) this.#key = undefined;
      });
      this.#key = loading;
    }
    return this.#key;
  }

  async seal(list: string, position: string): Promise<string> {
    const key = await this.#keyOnce();
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(Buffer.from(list, 'utf8'));
    const sealed = Buffer.concat([cipher.update(position, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), nonce, sealed, cipher.getAuthTag()]).toString('base64url');
  }

  async open(list: string, cursor: string): Promise<string | undefined> {
    const key = await this.#keyOnce();
    const bytes = Buffer.from(cursor, 'base64url');
    if (bytes.length < 1 + NONCE_BYTES + TAG_BYTES || bytes[0] !== VERSION) return undefined;
    if (bytes.toString('base64url') !== cursor) return undefined;
    const nonce = bytes.subarray(1, 1 + NONCE_BYTES);
    const tag = bytes.subarray(bytes.length - TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(list, 'utf8'));
      decipher.setAuthTag(tag);
      const body = bytes.subarray(1 + NONCE_BYTES, bytes.length - TAG_BYTES);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
