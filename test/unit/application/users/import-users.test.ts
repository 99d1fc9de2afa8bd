/**
 * Importing users from CSV (import-users.ts, read-user-csv.ts): every good row added, every bad row
 * reported with its line and reason, a file with no good row adding nothing, and the size limits.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  importUsers,
  MAX_IMPORT_BYTES,
  MAX_IMPORT_ROWS,
} from '../../../../shared/application/users/import-users.ts';
import type { Account } from '../../../../shared/domain/account.ts';
import { ForbiddenError, RuleViolationError, ValidationError } from '../../../../shared/domain/errors.ts';
import type { VppUser } from '../../../../shared/domain/vpp-user.ts';
import { type FakeDeps, fakeDeps, MemoryUserRepository } from '../../../support/fakes/index.ts';
import { givenAccount, givenUsers, orgAdmin, viewer } from '../../support/world.ts';

let deps: FakeDeps;
let account: Account;

beforeEach(async () => {
  deps = fakeDeps();
  account = await givenAccount(deps);
});

describe('importUsers', () => {
  it('adds every row of a spreadsheet export: BOM, CRLF, quotes, tags with ";", any column order and case', async () => {
    const file =
      '\uFEFFTags,Name,EMAIL\r\n"maths; science","Doe, Jane",Jane@Example.test\r\n,Bob,bob@example.test\r\n\r\n,,\r\n';
    const result = await importUsers(deps, orgAdmin, account.id, file);
    expect(result.rejected).toEqual([]);
    expect(result.added.map((u) => [u.email, u.name, u.tags])).toEqual([
      ['jane@example.test', 'Doe, Jane', ['maths', 'science']],
      ['bob@example.test', 'Bob', []],
    ]);
    expect(
      (await deps.users.listByAccount(account.id)).every((u) => u.status === 'New' && u.source === 'import'),
    ).toBe(true);
    expect(deps.audit.actions('user.imported')[0]?.details).toMatchObject({ rows: 2, added: 2, rejected: 0 });
  });

  it('reports each bad row with its line and reason, in line order, and adds the good ones', async () => {
    await givenUsers(deps, account, { id: 'old', email: 'present@example.test' });
    const file = [
      'email,name,tags',
      'good@example.test,Good,',
      'not-an-email,,',
      'present@example.test,,',
      'good@example.test,Again,',
      'short@example.test',
      'extra@example.test,,,surplus',
      `tags@example.test,,bad;;${'x'.repeat(65)}`,
    ].join('\n');
    const result = await importUsers(deps, orgAdmin, account.id, file);
    expect(result.added.map((u) => u.email)).toEqual(['good@example.test']);
    expect(result.rejected.map((r) => [r.line, r.code])).toEqual([
      [3, 'import.email_invalid'],
      [4, 'import.already_present'],
      [5, 'import.duplicate_in_file'],
      [6, 'import.missing_column'],
      [7, 'import.extra_column'],
      [8, 'import.tags_invalid'],
    ]);
    expect(result.rejected.find((r) => r.code === 'import.duplicate_in_file')?.reason).toContain('line 2');
  });

  it("reports a retired user's e-mail naming that user, to invite them back (import.retired_exists)", async () => {
    await givenUsers(deps, account, { id: 'u-gone', email: 'gone@example.test', status: 'Retired' });
    const result = await importUsers(
      deps,
      orgAdmin,
      account.id,
      'email\ngone@example.test\nnew@example.test\n',
    );
    expect(result.added.map((u) => u.email)).toEqual(['new@example.test']);
    expect(result.rejected).toMatchObject([{ line: 2, code: 'import.retired_exists' }]);
    expect(result.rejected[0]?.reason).toContain('u-gone');
    expect(result.rejected[0]?.reason).toContain('invite them');
  });

  it('counts lines as an editor does: CR line ends, and a line break inside a quoted cell', async () => {
    const file = 'email,name\r"a@example.test","two\nlines"\rbad,x\r';
    const result = await importUsers(deps, orgAdmin, account.id, file);
    expect(result.rejected).toMatchObject([{ line: 4, code: 'import.email_invalid' }]);
  });

  it('adds nothing from a file with no good row, answering every reason (import.no_valid_rows)', async () => {
    const refused = importUsers(deps, orgAdmin, account.id, 'email\nnope\nalso-nope\n');
    await expect(refused).rejects.toBeInstanceOf(RuleViolationError);
    await expect(refused).rejects.toMatchObject({
      code: 'import.no_valid_rows',
      details: { rejected: [{ line: 2 }, { line: 3 }] },
    });
    await expect(importUsers(deps, orgAdmin, account.id, 'email\n')).rejects.toMatchObject({
      code: 'import.no_valid_rows',
    });
    expect(await deps.users.listByAccount(account.id)).toEqual([]);
    expect(deps.audit.entries()).toEqual([]);
  });

  it('refuses a bad header or an open quote (400) and files over 1 MB or 5,000 rows (413)', async () => {
    await expect(importUsers(deps, orgAdmin, account.id, 'mail;name\nx;y\n')).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(
      importUsers(deps, orgAdmin, account.id, 'email\n"open@example.test\n'),
    ).rejects.toMatchObject({ code: 'import.malformed' });
    await expect(
      importUsers(deps, orgAdmin, account.id, `email\n${'a'.repeat(MAX_IMPORT_BYTES)}\n`),
    ).rejects.toMatchObject({
      code: 'import.too_large',
      kind: 'too_large',
    });
    const rows = Array.from({ length: MAX_IMPORT_ROWS + 1 }, (_, i) => `u${i}@example.test`);
    await expect(
      importUsers(deps, orgAdmin, account.id, `email\n${rows.join('\n')}\n`),
    ).rejects.toMatchObject({ code: 'import.too_large' });
    expect(await deps.users.listByAccount(account.id)).toEqual([]);
  });

  it('takes exactly 5,000 rows (blank lines not counted)', async () => {
    const rows = Array.from({ length: MAX_IMPORT_ROWS }, (_, i) => `u${i}@example.test`);
    const result = await importUsers(deps, orgAdmin, account.id, `email\n${rows.join('\n\n')}\n`);
    expect(result.added).toHaveLength(MAX_IMPORT_ROWS);
  });

  it('reports an e-mail another request took meanwhile as already present', async () => {
    class Raced extends MemoryUserRepository {
      override async addMany(users: readonly VppUser[]) {
        const taken = users.find((u) => u.email === 'raced@example.test');
        if (taken) await super.addMany([{ ...taken, id: 'someone-else' }]);
        return super.addMany(users);
      }
    }
    deps = fakeDeps({ users: new Raced() });
    account = await givenAccount(deps);
    const result = await importUsers(
      deps,
      orgAdmin,
      account.id,
      'email\nraced@example.test\nfine@example.test\n',
    );
    expect(result.added.map((u) => u.email)).toEqual(['fine@example.test']);
    expect(result.rejected).toMatchObject([{ line: 2, code: 'import.already_present' }]);
  });

  it('is refused to a viewer', async () => {
    await expect(importUsers(deps, viewer, account.id, 'email\na@example.test\n')).rejects.toBeInstanceOf(
      ForbiddenError,
    );
  });
});
