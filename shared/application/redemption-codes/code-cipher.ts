/**
 * How redemption codes are protected at rest (issue 19 point 2): each organisation has two random
 * 256-bit keys, kept together in the secret store under `orgs/<orgId>/redemption-code-keys` (Secrets
 * Manager in AWS, its stand-in under `.local/` locally), never in a table or a log.
 * - `seal`/`open`: AES-256-GCM (node:crypto), a random 96-bit IV per value, the 128-bit tag checked
 *   on open; the additional data binds a sealed value to its organisation, so a sealed value copied
 *   to another organisation's record does not open.
 * - `lookup`: HMAC-SHA-256 under the second key. Codes are short (about 12 characters of 36 symbols),
 *   so a plain hash could be searched exhaustively; a keyed one cannot without the key.
 * The keys are made by the first import of the organisation, with `create` so that two imports at once
 * agree on one pair (the loser reads the winner's).
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import * as z from 'zod';
import { Secret } from '../../domain/secret.ts';
import type { SecretStore } from '../ports/secret-store.ts';

export const codeKeysSecretName = (orgId: string) => `orgs/${orgId}/redemption-code-keys`;

const StoredKeysSchema = z.object({
  version: z.literal(1),
  encryption: z.string().min(1),
  lookup: z.string().min(1),
});

const VERSION = 'v1';
const IV_BYTES = 12;
const KEY_BYTES = 32;

export interface CodeCipher {
  /** The sealed form of `value` (a code or its link) for this organisation. */
  seal(value: string): string;
  /** The value back; throws when the sealed value was changed, or is another organisation's. */
  open(sealed: string): Secret;
  /** The HMAC that finds a code (normalised first: trimmed, upper case). */
  lookup(code: string): string;
}

function cipherOf(orgId: string, encryptionKey: Buffer, lookupKey: Buffer): CodeCipher {
  const aad = Buffer.from(`vpp-manager/redemption-code/${orgId}`, 'utf8');
  return {
    seal(value) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', encryptionKey, iv);
      cipher.setAAD(aad);
      const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, iv, tag, body]
        .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
        .join('.');
    },
    open(sealed) {
      const [version, iv, tag, body] = sealed.split('.');
      if (version !== VERSION || !iv || !tag || body === undefined) throw new Error('Not a sealed code.');
      const decipher = createDecipheriv('aes-256-gcm', encryptionKey, Buffer.from(iv, 'base64url'));
      decipher.setAAD(aad);
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const value = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
      return new Secret(value.toString('utf8'));
    },
    lookup(code) {
      return createHmac('sha256', lookupKey).update(code.trim().toUpperCase(), 'utf8').digest('hex');
    },
  };
}

function parseKeys(orgId: string, stored: Secret): CodeCipher {
  const keys = StoredKeysSchema.parse(JSON.parse(stored.reveal()));
  return cipherOf(orgId, Buffer.from(keys.encryption, 'base64'), Buffer.from(keys.lookup, 'base64'));
}

/** The organisation's cipher, or undefined when it has no keys yet (it has never imported a code). */
export async function existingCodeCipher(
  deps: { secrets: SecretStore },
  orgId: string,
): Promise<CodeCipher | undefined> {
  const stored = await deps.secrets.get(codeKeysSecretName(orgId));
  return stored ? parseKeys(orgId, stored) : undefined;
}

/** The organisation's cipher, its keys made now if it has none. */
export async function codeCipherFor(deps: { secrets: SecretStore }, orgId: string): Promise<CodeCipher> {
  const existing = await existingCodeCipher(deps, orgId);
  if (existing) return existing;
  const made = new Secret(
    JSON.stringify({
      version: 1,
      encryption: randomBytes(KEY_BYTES).toString('base64'),
      lookup: randomBytes(KEY_BYTES).toString('base64'),
    }),
  );
  if (await deps.secrets.create(codeKeysSecretName(orgId), made)) return parseKeys(orgId, made);
  const winner = await deps.secrets.get(codeKeysSecretName(orgId));
  if (!winner) throw new Error('The redemption-code keys were created and are gone.');
  return parseKeys(orgId, winner);
}
