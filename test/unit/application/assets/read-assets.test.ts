/**
 * Reading assets and their holders (shared/application/assets/read-assets.ts) and the in-memory paging
 * every such list uses (shared/application/paging.ts).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  getAsset,
  listAssetAssignments,
  listAssets,
  resolveAsset,
} from '../../../../shared/application/assets/read-assets.ts';
import { pageOf } from '../../../../shared/application/paging.ts';
import type { Account } from '../../../../shared/domain/account.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../../../shared/domain/errors.ts';
import { type FakeDeps, fakeDeps } from '../../../support/fakes/index.ts';
import {
  foreignAdmin,
  givenAccount,
  givenAsset,
  givenHoldings,
  otherAdmin,
  viewer,
} from '../../support/world.ts';

let deps: FakeDeps;
let account: Account;

beforeEach(async () => {
  deps = fakeDeps();
  account = await givenAccount(deps);
});

describe('listAssets and getAsset', () => {
  it('lists by product type and device assignability, in adamId order (numerically), in pages', async () => {
    givenAsset(deps, account, { adamId: '100' });
    givenAsset(deps, account, {
      adamId: '20',
      productType: 'Book',
      deviceAssignable: false,
      revocable: false,
    });
    givenAsset(deps, account, { adamId: '3' });
    const all = await listAssets(deps, viewer, account.id, { limit: 2 });
    expect(all.items.map((a) => a.adamId)).toEqual(['3', '20']);
    expect(all.items[0]).not.toHaveProperty('accountId');
    const rest = await listAssets(deps, viewer, account.id, { limit: 2, cursor: all.nextCursor });
    expect(rest.items.map((a) => a.adamId)).toEqual(['100']);
    expect(
      (await listAssets(deps, viewer, account.id, { limit: 10, productType: 'Book' })).items.map(
        (a) => a.adamId,
      ),
    ).toEqual(['20']);
    expect(
      (await listAssets(deps, viewer, account.id, { limit: 10, deviceAssignable: true })).items,
    ).toHaveLength(2);
    await expect(listAssets(deps, otherAdmin, account.id, { limit: 1 })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(listAssets(deps, foreignAdmin, account.id, { limit: 1 })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('needs the pricing parameter for an adamId held with both, and summarises the holders by state', async () => {
    givenAsset(deps, account);
    givenAsset(deps, account, { pricingParam: 'PLUS' });
    await expect(resolveAsset(deps, account.id, '361309726')).rejects.toBeInstanceOf(ConflictError);
    await expect(resolveAsset(deps, account.id, 'missing')).rejects.toBeInstanceOf(NotFoundError);
    givenHoldings(
      deps,
      account,
      { subjectId: 'A' },
      { subjectId: 'B', state: 'pending-grant' },
      { subjectId: 'C', state: 'failed' },
      { subjectId: 'D', pricingParam: 'PLUS' },
    );
    const asset = await getAsset(deps, viewer, account.id, '361309726', 'STDQ');
    expect(asset.assignments).toEqual({
      granted: 1,
      pendingGrant: 1,
      pendingRevoke: 0,
      failed: 1,
      revoked: 0,
    });
  });
});

describe('listAssetAssignments', () => {
  it('lists holders by state and source, in pages', async () => {
    givenAsset(deps, account);
    givenHoldings(
      deps,
      account,
      { subjectId: 'A', source: 'deployment' },
      { subjectId: 'B', source: 'manual' },
      { subjectId: 'C', source: 'deployment', state: 'revoked' },
      { subjectType: 'user', subjectId: 'u1', source: 'apple' },
    );
    const granted = await listAssetAssignments(deps, viewer, account.id, '361309726', {
      limit: 10,
      state: 'granted',
    });
    expect(granted.items.map((h) => `${h.subjectType}:${h.subjectId}`)).toEqual([
      'device:A',
      'device:B',
      'user:u1',
    ]);
    const fromDeployment = await listAssetAssignments(deps, viewer, account.id, '361309726', {
      limit: 10,
      source: 'deployment',
    });
    expect(fromDeployment.items.map((h) => h.subjectId)).toEqual(['A', 'C']);
    const page = await listAssetAssignments(deps, viewer, account.id, '361309726', { limit: 3 });
    expect(page.items).toHaveLength(3);
    expect(page.nextCursor).toBeDefined();
  });
});

describe('pageOf', () => {
  const key = (n: string) => n;
  it('serves each item once across pages, in key order, and ends without a cursor', () => {
    const items = ['d', 'a', 'c', 'b', 'e'];
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = pageOf(items, key, 2, cursor);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(pageOf(items, key, 5, undefined).nextCursor).toBeUndefined();
  });

  it('goes on after the last key served even when that item has gone since', () => {
    const first = pageOf(['a', 'b', 'c', 'd'], key, 2, undefined);
    expect(pageOf(['a', 'c', 'd'], key, 2, first.nextCursor).items).toEqual(['c', 'd']);
  });

  it('refuses a cursor it did not make as cursor.invalid', () => {
    expect(() => pageOf(['a'], key, 1, 'garbage!')).toThrow(ValidationError);
    expect(() => pageOf(['a'], key, 1, Buffer.from('{"after":3}').toString('base64url'))).toThrow(/cursor/);
  });
});
