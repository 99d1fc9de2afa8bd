/** How codes are sealed (code-cipher.ts): AES-256-GCM round trip, tamper and cross-organisation refusal, keyed lookups, one key pair per organisation. */
import { describe, expect, it } from 'vitest';
import {
  codeCipherFor,
  codeKeysSecretName,
  existingCodeCipher,
} from '../../../../shared/application/redemption-codes/code-cipher.ts';
import { MemorySecretStore } from '../../../support/fakes/index.ts';

describe('codeCipherFor', () => {
  it('seals and opens a code; the sealed form differs each time and holds no trace of it', async () => {
    const deps = { secrets: new MemorySecretStore() };
    const cipher = await codeCipherFor(deps, 'org-1');
    const a = cipher.seal('X7HJ4KLMN3PQ');
    const b = cipher.seal('X7HJ4KLMN3PQ');
    expect(a).not.toBe(b);
    expect(a).not.toContain('X7HJ4KLMN3PQ');
    expect(Buffer.from(a.split('.')[3] ?? '', 'base64url').toString('latin1')).not.toContain('X7HJ');
    expect(cipher.open(a).reveal()).toBe('X7HJ4KLMN3PQ');
    expect(String(cipher.open(a))).toBe('[redacted]');
  });

  it('refuses a changed sealed value, and another organisation’s', async () => {
    const deps = { secrets: new MemorySecretStore() };
    const cipher = await codeCipherFor(deps, 'org-1');
    const sealed = cipher.seal('X7HJ4KLMN3PQ');
    const [v, iv, tag, body] = sealed.split('.') as [string, string, string, string];
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() => cipher.open([v, iv, tag, flipped.toString('base64url')].join('.'))).toThrow();
    // The same keys under another organisation's name do not open it (the organisation is bound in).
    const stolen = new MemorySecretStore();
    const keys = await deps.secrets.get(codeKeysSecretName('org-1'));
    if (!keys) throw new Error('no keys were made');
    await stolen.put(codeKeysSecretName('org-2'), keys);
    const other = await codeCipherFor({ secrets: stolen }, 'org-2');
    expect(() => other.open(sealed)).toThrow();
  });

  it('looks a code up by a keyed HMAC: the same for any case, different per organisation, not a plain hash', async () => {
    const secrets = new MemorySecretStore();
    const one = await codeCipherFor({ secrets }, 'org-1');
    const two = await codeCipherFor({ secrets }, 'org-2');
    expect(one.lookup(' x7hj4klmn3pq ')).toBe(one.lookup('X7HJ4KLMN3PQ'));
    expect(one.lookup('X7HJ4KLMN3PQ')).not.toBe(two.lookup('X7HJ4KLMN3PQ'));
    const { createHash } = await import('node:crypto');
    expect(one.lookup('X7HJ4KLMN3PQ')).not.toBe(createHash('sha256').update('X7HJ4KLMN3PQ').digest('hex'));
  });

  it('makes one key pair per organisation, even when two imports ask at once', async () => {
    const secrets = new MemorySecretStore();
    expect(await existingCodeCipher({ secrets }, 'org-1')).toBeUndefined();
    const [a, b] = await Promise.all([
      codeCipherFor({ secrets }, 'org-1'),
      codeCipherFor({ secrets }, 'org-1'),
    ]);
    expect(b.open(a.seal('X7HJ4KLMN3PQ')).reveal()).toBe('X7HJ4KLMN3PQ');
    expect([...secrets.values.keys()]).toEqual([codeKeysSecretName('org-1')]);
  });
});
