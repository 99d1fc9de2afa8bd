/**
 * Adds users from a CSV file (SPEC §4 `POST .../users/import`): every good row is added, every bad row
 * is reported with its line and reason, and a file with no good row adds nothing.
 * 1. The caller must manage the account (404 for an account they cannot see, 403 for a viewer).
 * 2. Limits: at most 1 MB of body (UTF-8 bytes) and 5,000 rows (blank lines not counted); beyond
 *    either, 413 import.too_large and nothing is added.
 * 3. Read the file (read-user-csv.ts): a bad header or broken quoting is a 400.
 * 4. Check each row, in this order: fewer cells than the header (import.missing_column), non-empty
 *    cells beyond it (import.extra_column), the e-mail (import.email_invalid), the Managed Apple
 *    Account (import.managed_apple_id_invalid), the name (import.name_invalid), the tags, `;`-separated
 *    (import.tags_invalid), an e-mail the account already has (import.already_present; a retired
 *    user's: import.retired_exists, naming the user to invite back), an e-mail a
 *    good row above already has (import.duplicate_in_file: the first row is added, the later refused).
 * 5. Add the good rows as users (status New, source import) with `users.addMany`, which claims each
 *    e-mail atomically; an e-mail another request took meanwhile is reported as already present.
 * 6. Nothing added: 422 import.no_valid_rows with the first 20 of the `rejected` list and their count
 *    in the error's details (an error answer stays small), and nothing written. Otherwise one `user.imported` audit entry with the counts (never the e-mails).
 * Errors: import.header_invalid, import.malformed (400); auth.forbidden (403); account.not_found
 * (404); import.too_large (413); import.no_valid_rows (422).
 */
import { DomainError, RuleViolationError } from '../../domain/errors.ts';
import { actorOf, type Principal } from '../../domain/principal.ts';
import type { VppUser } from '../../domain/vpp-user.ts';
import { loadAccountFor } from '../accounts/account-access.ts';
import { auditTrail } from '../audit/audit-trail.ts';
import { readUserCsv, type UserCsvRow } from './read-user-csv.ts';
import type { UserDeps } from './user-deps.ts';
import { UserFields } from './user-fields.ts';
import { toUserView, type UserView } from './user-view.ts';

/** An error answer lists at most this many rows (the answer to an import that added rows lists all). */
const MAX_REJECTIONS_IN_ERROR = 20;

/** The largest file accepted: 1 MB (1,048,576 bytes of UTF-8). API Gateway itself takes up to 10 MB. */
export const MAX_IMPORT_BYTES = 1024 * 1024;
/** The most data rows accepted in one file. */
export const MAX_IMPORT_ROWS = 5_000;
/** Users per `addMany` call, and how many calls run at once (each user is its own transaction). */
const ADD_CHUNK = 25;
const ADD_CONCURRENCY = 8;

/** A row that was not added: its line in the file (the header is line 1), and why. */
export interface ImportRejection {
  line: number;
  email?: string;
  reason: string;
  code: string;
}

export interface ImportResult {
  added: UserView[];
  rejected: ImportRejection[];
}

type ImportDeps = Pick<UserDeps, 'accounts' | 'users' | 'audit' | 'clock' | 'ids'>;
type RowFields = Pick<VppUser, 'name' | 'managedAppleId' | 'tags'> & { email: string };

const reject = (row: UserCsvRow, code: string, reason: string): ImportRejection => {
  const email = row.cells.email;
  return { line: row.line, ...(email ? { email: email.slice(0, 254) } : {}), reason, code };
};

const firstIssue = (error: { issues: readonly { message: string }[] }) =>
  error.issues[0]?.message ?? 'not valid';

/** A row's fields, or why it cannot be added (step 4 without the checks against other users). */
function checkRow(row: UserCsvRow): RowFields | ImportRejection {
  if (row.missingColumns) {
    return reject(
      row,
      'import.missing_column',
      'This row has fewer cells than the header: give every column a cell, even an empty one.',
    );
  }
  if (row.extraCells) {
    return reject(row, 'import.extra_column', 'This row has more cells than the header has columns.');
  }
  const { email, name, managedAppleId, tags } = row.cells;
  if (!email) return reject(row, 'import.email_invalid', 'The e-mail is empty.');
  const parsedEmail = UserFields.email.safeParse(email);
  if (!parsedEmail.success) {
    return reject(row, 'import.email_invalid', `The e-mail is ${firstIssue(parsedEmail.error)}.`);
  }
  const parsedAppleId = managedAppleId ? UserFields.managedAppleId.safeParse(managedAppleId) : undefined;
  if (parsedAppleId && !parsedAppleId.success) {
    return reject(
      row,
      'import.managed_apple_id_invalid',
      `The managedAppleId is ${firstIssue(parsedAppleId.error)}.`,
    );
  }
  const parsedName = name ? UserFields.name.safeParse(name) : undefined;
  if (parsedName && !parsedName.success) {
    return reject(row, 'import.name_invalid', `The name is not valid: ${firstIssue(parsedName.error)}.`);
  }
  const parsedTags = UserFields.tags.safeParse(
    (tags ?? '')
      .split(';')
      .map((t) => t.trim())
      .filter((t) => t !== ''),
  );
  if (!parsedTags.success) {
    return reject(
      row,
      'import.tags_invalid',
      `The tags are not valid (separate them with ";", at most 50 of up to 64 characters each): ${firstIssue(parsedTags.error)}.`,
    );
  }
  return {
    email: parsedEmail.data,
    ...(parsedName?.success ? { name: parsedName.data } : {}),
    ...(parsedAppleId?.success ? { managedAppleId: parsedAppleId.data } : {}),
    tags: parsedTags.data,
  };
}

/** Adds users in chunks, a few chunks at a time; stops starting chunks after a failure. */
async function addInChunks(deps: Pick<ImportDeps, 'users'>, users: readonly VppUser[]) {
  const chunks: VppUser[][] = [];
  for (let i = 0; i < users.length; i += ADD_CHUNK) chunks.push(users.slice(i, i + ADD_CHUNK));
  const added: VppUser[] = [];
  const taken = new Set<string>();
  let failure: { error: unknown } | undefined;
  let next = 0;
  const worker = async () => {
    for (let chunk = chunks[next++]; chunk && !failure; chunk = chunks[next++]) {
      try {
        const result = await deps.users.addMany(chunk);
        added.push(...result.added);
        for (const email of result.duplicateEmails) taken.add(email);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(ADD_CONCURRENCY, chunks.length) }, worker));
  return { added, taken, failure };
}

export async function importUsers(
  deps: ImportDeps,
  principal: Principal,
  accountId: string,
  file: string,
): Promise<ImportResult> {
  const account = await loadAccountFor(deps, principal, accountId, 'manage');
  const tooLarge = (what: string) =>
    new DomainError(
      'too_large',
      'import.too_large',
      `${what} Split it into files of at most 1 MB and ${MAX_IMPORT_ROWS.toLocaleString('en')} rows.`,
      { details: { maxBytes: MAX_IMPORT_BYTES, maxRows: MAX_IMPORT_ROWS } },
    );
  if (Buffer.byteLength(file, 'utf8') > MAX_IMPORT_BYTES) throw tooLarge('The file is larger than 1 MB.');
  const rows = readUserCsv(file);
  if (rows.length > MAX_IMPORT_ROWS) throw tooLarge(`The file has ${rows.length} rows.`);

  const present = new Map(
    (await deps.users.listByAccount(account.id)).flatMap((u) => (u.email ? [[u.email, u] as const] : [])),
  );
  const alreadyPresent = (row: UserCsvRow, holder?: VppUser) =>
    holder?.status === 'Retired'
      ? reject(
          row,
          'import.retired_exists',
          `This e-mail belongs to user ${holder.id}, who is retired: invite them to bring them back with their history.`,
        )
      : reject(row, 'import.already_present', 'The account already has a user with this e-mail.');
  const rejected: ImportRejection[] = [];
  const now = deps.clock.now().toISOString();
  const toAdd: { row: UserCsvRow; user: VppUser }[] = [];
  const firstLine = new Map<string, number>();
  for (const row of rows) {
    const checked = checkRow(row);
    if ('code' in checked) {
      rejected.push(checked);
      continue;
    }
    if (present.has(checked.email)) {
      rejected.push(alreadyPresent(row, present.get(checked.email)));
      continue;
    }
    const earlier = firstLine.get(checked.email);
    if (earlier !== undefined) {
      rejected.push(
        reject(row, 'import.duplicate_in_file', `The same e-mail is on line ${earlier} of this file.`),
      );
      continue;
    }
    firstLine.set(checked.email, row.line);
    toAdd.push({
      row,
      user: {
        ...checked,
        accountId: account.id,
        id: deps.ids.newId(),
        status: 'New',
        source: 'import',
        version: 0,
        createdAt: now,
        updatedAt: now,
      },
    });
  }

  const { added, taken, failure } = await addInChunks(
    deps,
    toAdd.map((a) => a.user),
  );
  for (const { row, user } of toAdd) {
    if (user.email && taken.has(user.email)) rejected.push(alreadyPresent(row));
  }
  rejected.sort((a, b) => a.line - b.line);

  if (added.length === 0) {
    if (failure) throw failure.error;
    throw new RuleViolationError(
      'import.no_valid_rows',
      rows.length === 0
        ? 'The file has a header but no rows: nothing was added.'
        : rejected.length > MAX_REJECTIONS_IN_ERROR
          ? `No row of the file can be added: nothing was added. The first ${MAX_REJECTIONS_IN_ERROR} of ${rejected.length} rejected rows say why.`
          : 'No row of the file can be added: nothing was added. Each rejected row says why.',
      { rejected: rejected.slice(0, MAX_REJECTIONS_IN_ERROR), rejectedCount: rejected.length },
    );
  }
  const byCode: Record<string, number> = {};
  for (const r of rejected) byCode[r.code] = (byCode[r.code] ?? 0) + 1;
  // A fault part way leaves what was added in place: the entry says so, then the fault is reported.
  const trail = auditTrail(deps, account.orgId, actorOf(principal));
  await trail.account(account.id, 'user.imported', failure ? 'failed' : 'succeeded', {
    rows: rows.length,
    added: added.length,
    rejected: rejected.length,
    rejectedBy: byCode,
  });
  if (failure) throw failure.error;

  const lineOf = new Map(toAdd.map((a) => [a.user.id, a.row.line]));
  const inFileOrder = added.sort((a, b) => (lineOf.get(a.id) ?? 0) - (lineOf.get(b.id) ?? 0));
  return { added: inFileOrder.map(toUserView), rejected };
}
