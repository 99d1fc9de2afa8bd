/**
 * Imports the spreadsheet of an order of redemption codes for an app or book (issue 19 point 1,
 * `POST /v1/accounts/{accountId}/assets/{adamId}/redemption-codes/imports`).
 * 1. The caller must manage the account (404 for an account they cannot see, 403 for a viewer), and
 *    the account must hold the app or book (404 asset.not_found: sync the account first).
 * 2. Limits: at most 2 MB of file and 20,000 rows; beyond either, 413 codes.too_large, nothing added.
 * 3. The type: `.xlsx` and `.csv`, by Content-Type and by the file's first bytes (a zip is an xlsx,
 *    an OLE compound file an old `.xls`). `.xls` is 415 codes.xls_unsupported (save it as `.xlsx` or
 *    `.csv`); any other type is 415 request.unsupported_media_type.
 * 4. Read the rows (read-code-sheet.ts: its layouts and its 400s) and check each, in this order: not a
 *    code's shape (codes.code_invalid), another product's Adam ID (codes.other_product), no order id
 *    in the row, the leading rows or `?orderId=` (codes.order_unknown), a code a row above has
 *    (codes.duplicate_in_file), a code the account already has (codes.already_known).
 * 5. Seal each code (and its link) under the organisation's key (code-cipher.ts) and add them; a code
 *    another import added meanwhile is reported as already known. No rejection quotes a code.
 * 6. Nothing added: 422 codes.no_valid_rows with the first 20 rejections, nothing written. Otherwise
 *    one `redemption_codes.imported` audit entry with the counts and the order ids (never a code).
 */
import { DomainError, NotFoundError, RuleViolationError } from '../../domain/errors.ts';
import { actorOf, type Principal } from '../../domain/principal.ts';
import { CODE_FILE_TYPES, type CodeOrder, type RedemptionCode } from '../../domain/redemption-code.ts';
import { loadAccountFor } from '../accounts/account-access.ts';
import { auditTrail } from '../audit/audit-trail.ts';
import type { AccountRepository } from '../ports/account-repository.ts';
import type { AssetRepository } from '../ports/asset-repository.ts';
import type { AuditLog } from '../ports/audit-log.ts';
import type { Clock, IdGenerator } from '../ports/clock.ts';
import type { RedemptionCodeRepository } from '../ports/redemption-code-repository.ts';
import type { SecretStore } from '../ports/secret-store.ts';
import { codeCipherFor } from './code-cipher.ts';
import { type CodeSheetRow, csvRows, readCodeSheet, type SheetRow } from './read-code-sheet.ts';
import { xlsxRows } from './xlsx-rows.ts';

export const MAX_CODE_FILE_BYTES = 2 * 1024 * 1024;
export const MAX_CODE_ROWS = 20_000;
const MAX_REJECTIONS_IN_ERROR = 20;

export interface CodeImportRejection {
  line: number;
  code: string;
  reason: string;
}

export interface CodeImportOrder {
  orderId: string;
  productName?: string;
  orderDate?: string;
  imported: number;
}

export interface CodeImportResult {
  imported: number;
  orders: CodeImportOrder[];
  rejected: CodeImportRejection[];
}

export interface CodeFile {
  readonly bytes: Buffer;
  readonly contentType: string;
}

type ImportDeps = {
  accounts: AccountRepository;
  assets: AssetRepository;
  redemptionCodes: RedemptionCodeRepository;
  secrets: SecretStore;
  audit: AuditLog;
  clock: Clock;
  ids: IdGenerator;
};

const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const OLE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const XLS_HINT = 'Open it in a spreadsheet and save it as .xlsx (Excel Workbook) or .csv, then import that.';

/** The rows of the file, by what it is (its first bytes) and what it says it is (its type). */
async function rowsOf(file: CodeFile): Promise<SheetRow[]> {
  if (file.bytes.subarray(0, OLE.length).equals(OLE) || file.contentType === CODE_FILE_TYPES.xls) {
    throw new DomainError(
      'unsupported',
      'codes.xls_unsupported',
      `This is an old Excel .xls file, which this service does not read. ${XLS_HINT}`,
    );
  }
  if (file.contentType === CODE_FILE_TYPES.xlsx || file.bytes.subarray(0, ZIP.length).equals(ZIP)) {
    return xlsxRows(file.bytes);
  }
  if (file.contentType === CODE_FILE_TYPES.csv) {
    return csvRows(file.bytes);
  }
  throw new DomainError(
    'unsupported',
    'request.unsupported_media_type',
    `Send the file as ${CODE_FILE_TYPES.xlsx} (.xlsx) or ${CODE_FILE_TYPES.csv} (.csv).`,
  );
}

const tooLarge = (what: string) =>
  new DomainError(
    'too_large',
    'codes.too_large',
    `${what} Split it into files of at most 2 MB and ${MAX_CODE_ROWS.toLocaleString('en')} rows.`,
    { details: { maxBytes: MAX_CODE_FILE_BYTES, maxRows: MAX_CODE_ROWS } },
  );

export async function importRedemptionCodes(
  deps: ImportDeps,
  principal: Principal,
  accountId: string,
  adamId: string,
  file: CodeFile,
  options: { orderId?: string } = {},
): Promise<CodeImportResult> {
  const account = await loadAccountFor(deps, principal, accountId, 'manage');
  if ((await deps.assets.findByAdamId(account.id, adamId)).length === 0) throw new NotFoundError('Asset');
  if (file.bytes.length > MAX_CODE_FILE_BYTES) throw tooLarge('The file is larger than 2 MB.');
  const sheet = readCodeSheet(await rowsOf(file));
  if (sheet.rows.length > MAX_CODE_ROWS) throw tooLarge(`The file has ${sheet.rows.length} rows.`);

  const rejected: CodeImportRejection[] = [];
  const reject = (row: CodeSheetRow, code: string, reason: string) =>
    rejected.push({ line: row.line, code, reason });
  const firstLine = new Map<string, number>();
  const good: { row: CodeSheetRow; code: string; order: CodeOrder }[] = [];
  for (const row of sheet.rows) {
    if (!row.code) {
      reject(
        row,
        'codes.code_invalid',
        row.raw === ''
          ? 'The code cell is empty.'
          : 'The code cell does not hold a code (6 to 64 letters, digits and dashes).',
      );
      continue;
    }
    const rowAdamId = row.order.adamId ?? sheet.order.adamId;
    if (rowAdamId !== undefined && rowAdamId !== adamId) {
      reject(
        row,
        'codes.other_product',
        `This code is for Adam ID ${rowAdamId.slice(0, 32)}, not ${adamId}: import it under that asset.`,
      );
      continue;
    }
    const orderId = row.order.orderId ?? sheet.order.orderId ?? options.orderId;
    if (!orderId) {
      reject(
        row,
        'codes.order_unknown',
        'No order id in the row or the file: give ?orderId= with the import.',
      );
      continue;
    }
    const earlier = firstLine.get(row.code);
    if (earlier !== undefined) {
      reject(row, 'codes.duplicate_in_file', `The same code is on line ${earlier} of this file.`);
      continue;
    }
    firstLine.set(row.code, row.line);
    const productName = row.order.productName ?? sheet.order.productName;
    const orderDate = row.order.orderDate ?? sheet.order.orderDate;
    good.push({
      row,
      code: row.code,
      order: {
        orderId: orderId.slice(0, 128),
        ...(productName ? { productName: productName.slice(0, 512) } : {}),
        ...(orderDate ? { orderDate: orderDate.slice(0, 64) } : {}),
      },
    });
  }

  const known = new Set<string>();
  let added: RedemptionCode[] = [];
  if (good.length > 0) {
    const cipher = await codeCipherFor(deps, account.orgId);
    const now = deps.clock.now().toISOString();
    const records = good.map(
      ({ row, code, order }): RedemptionCode => ({
        id: deps.ids.newId(),
        orgId: account.orgId,
        accountId: account.id,
        adamId,
        order,
        state: row.spent ? 'redeemed' : 'available',
        sealed: cipher.seal(code),
        lookup: cipher.lookup(code),
        last4: code.slice(-4),
        ...(row.link ? { sealedLink: cipher.seal(row.link) } : {}),
        importedAt: now,
        updatedAt: now,
        ...(row.spent ? { redeemedAt: now } : {}),
        version: 0,
      }),
    );
    const result = await deps.redemptionCodes.addMany(records);
    added = result.added;
    for (const lookup of result.known) known.add(lookup);
    records.forEach((record, i) => {
      const entry = good[i];
      if (entry && known.has(record.lookup)) {
        reject(entry.row, 'codes.already_known', 'The account already has this code (it is stored once).');
      }
    });
  }
  rejected.sort((a, b) => a.line - b.line);

  if (added.length === 0) {
    throw new RuleViolationError(
      'codes.no_valid_rows',
      sheet.rows.length === 0
        ? 'The file has no code rows: nothing was added.'
        : 'No row of the file can be added: nothing was added. Each rejected row says why.',
      { rejected: rejected.slice(0, MAX_REJECTIONS_IN_ERROR), rejectedCount: rejected.length },
    );
  }

  const orders = new Map<string, CodeImportOrder>();
  for (const code of added) {
    const order = orders.get(code.order.orderId) ?? { ...code.order, imported: 0 };
    order.imported++;
    orders.set(code.order.orderId, order);
  }
  const trail = auditTrail(deps, account.orgId, actorOf(principal));
  await trail.asset(account.id, adamId, 'redemption_codes.imported', 'succeeded', {
    rows: sheet.rows.length,
    imported: added.length,
    rejected: rejected.length,
    orderIds: [...orders.keys()].slice(0, 20),
  });
  // Webhook events (issue 18) publish here once the event publisher exists: `codes.imported`, counts only.
  return { imported: added.length, orders: [...orders.values()], rejected };
}
