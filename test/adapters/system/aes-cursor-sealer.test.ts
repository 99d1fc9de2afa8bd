/** AES-GCM cursor sealing: opaque, bound to its list, refused when forged, and read with a key from a secret. */
import { describe, expect, it } from 'vitest';
import { AesCursorSealer } from '../../../shared/adapters/system/aes-cursor-sealer.ts';
import { Secret } from '../../../shared/domain/secret.ts';

const sealer = (key = 'k'.repeat(64)) => new AesCursorSealer(async () => new Secret(key));
const POSITION = JSON.stringify({ after: 'pupil@school.test\u0000u-1' });

describe('AesCursorSealer', () => {
  it('gives back the position for the list it was sealed for, and shows nothing of it', async () => {
    const cursors = sealer();
    const sealed = await cursors.seal('users:org-a', POSITION);
    expect(await cursors.open('users:org-a', sealed)).toBe(POSITION);
    const visible = Buffer.from(sealed, 'base64url').toString('latin1');
    expect(visible).not.toContain('pupil');
    expect(sealed).not.toContain('cHVwaWw'); // base64 of "pupil"
    expect(sealed).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('seals the same position differently each time (a fresh nonce)', async () => {
    const cursors = sealer();
    expect(await cursors.seal('l', POSITION)).not.toBe(await cursors.seal('l', POSITION));
  });

  it('refuses a cursor of another list, another key, a changed byte or plain text', async () => {
    const cursors = sealer();
    const sealed = await cursors.seal('users:org-a', POSITION);
    expect(await cursors.open('users:org-b', sealed)).toBeUndefined();
    expect(await cursors.open('devices:org-a', sealed)).toBeUndefined();
    expect(await sealer('z'.repeat(64)).open('users:org-a', sealed)).toBeUndefined();
    const bytes = Buffer.from(sealed, 'base64url');
    for (const at of [0, 5, 20, bytes.length - 1]) {
      const changed = Buffer.from(bytes);
      changed[at] = (changed[at] ?? 0) ^ 1;
      expect(await cursors.open('users:org-a', changed.toString('base64url'))).toBeUndefined();
    }
    for (const forged of ['', 'x', Buffer.from(POSITION).toString('base64url'), `${sealed}=`, `${sealed}A`])
      expect(await cursors.open('users:org-a', forged)).toBeUndefined();
  });

  it('reads the key once, and again after a failed read', async () => {
    let reads = 0;
    let fail = true;
    const cursors = new AesCursorSealer(async () => {
      reads++;
      if (fail) throw new Error('Secrets Manager is down');
      return new Secret('k'.repeat(64));
    });
    await expect(cursors.seal('l', POSITION)).rejects.toThrow('down');
    fail = false;
    const sealed = await cursors.seal('l', POSITION);
    await cursors.open('l', sealed);
    expect(reads).toBe(2);
  });
});
