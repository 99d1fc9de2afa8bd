/**
 * Users Apple knows and the service did not make (a sync imports them) never take an e-mail another
 * user already claims in the account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VppUser } from '../../../shared/domain/vpp-user.ts';
import { startTestRuntime, type TestRuntime } from '../../support/runtime.ts';

const STAMP = '2026-11-27T08:00:00.000Z';
let rt: TestRuntime;

beforeAll(async () => {
  rt = await startTestRuntime();
});
afterAll(async () => {
  await rt?.stop();
});

const user = (id: string, email: string, source: VppUser['source']): VppUser => ({
  accountId: 'claims-account',
  id,
  email,
  tags: [],
  status: source === 'apple' ? 'Invited' : 'New',
  source,
  createdAt: STAMP,
  updatedAt: STAMP,
  version: 0,
});

describe('saveFromApple', () => {
  it('leaves an e-mail with the user that claims it, and gives a free one to the first new user', async () => {
    const ours = user('ours', 'shared@claims.test', 'api');
    expect((await rt.deps.users.addMany([ours])).added).toHaveLength(1);
    await rt.deps.users.saveFromApple([
      user('apple-1', 'shared@claims.test', 'apple'),
      user('apple-2', 'free@claims.test', 'apple'),
      user('apple-3', 'free@claims.test', 'apple'),
    ]);
    expect((await rt.deps.users.findByEmail('claims-account', 'shared@claims.test'))?.id).toBe('ours');
    expect((await rt.deps.users.findByEmail('claims-account', 'free@claims.test'))?.id).toBe('apple-2');
    // Every user is saved, with the address Apple has for it.
    const saved = await rt.deps.users.getMany('claims-account', ['apple-1', 'apple-2', 'apple-3']);
    expect(saved.map((u) => u.email).sort()).toEqual([
      'free@claims.test',
      'free@claims.test',
      'shared@claims.test',
    ]);
  });
});
