/**
 * Reads the spreadsheet Apple delivers with an order of redemption codes, in each layout found
 * (shared/domain/redemption-codes.md says which, and from where). Sources describe it only loosely,
 * so the reader is tolerant:
 * - Leading rows before the header may carry the order's details as label and value, in two cells
 *   (`Order ID | MT1234`) or one (`Order ID: MT1234`); labels are matched case-insensitively,
 *   ignoring spaces, dashes, underscores, `#` and a trailing colon.
 * - The header is the first row with a code column (`Code`, `Codes`, `Redemption Code`, `VPP Code`,
 *   `Promo Code`, `License Code`, …); beside it, optional columns: the redemption link (`Code
 *   Redemption Link`, `Redemption URL`, `Link`), the order (`Order ID`, `Order Number`), the product
 *   (`Product`, `Product Name`, `App Name`, `Name`), its Adam ID (`Adam ID`, `Product ID`, `Item ID`),
 *   the order date (`Order Date`, `Purchase Date`, `Date`) and a status (`Status`, `Code Status`,
 *   `Redeemed`).
 * - A file with no header at all whose first column holds codes (a list re-exported from another
 *   tool, the FileWave re-import case) is read as codes from its first line.
 * Errors: codes.header_invalid (400), when neither is found.
 */
import { CsvError, parse } from 'csv-parse/sync';
import { ValidationError } from '../../domain/errors.ts';
import { normaliseRedemptionCode } from '../../domain/redemption-code.ts';

/** One row of the file as cells, with the line (CSV) or row number (spreadsheet) it starts on. */
export interface SheetRow {
  readonly line: number;
  readonly cells: readonly string[];
}

export type CodeColumn = 'code' | 'link' | 'orderId' | 'productName' | 'adamId' | 'orderDate' | 'status';

/** The labels of each column and order detail, as `labelKey` turns them. */
const LABELS: Record<CodeColumn, readonly string[]> = {
  code: [
    'code',
    'codes',
    'redemptioncode',
    'redemptioncodes',
    'vppcode',
    'vppcodes',
    'promocode',
    'licensecode',
    'licencecode',
    'vouchercode',
    'giftcode',
  ],
  link: ['coderedemptionlink', 'redemptionlink', 'redemptionurl', 'coderedemptionurl', 'link', 'url'],
  orderId: ['orderid', 'ordernumber', 'order', 'orderno', 'ordernr', 'vpporderid', 'vppordernumber'],
  productName: ['product', 'productname', 'appname', 'app', 'name', 'title', 'item', 'itemname', 'bookname'],
  adamId: ['adamid', 'productid', 'itemid', 'appleid', 'contentid', 'itunesid', 'storeid'],
  orderDate: ['orderdate', 'purchasedate', 'date', 'dateordered', 'datepurchased'],
  status: ['status', 'codestatus', 'redeemed', 'state'],
};

const labelKey = (cell: string) =>
  cell
    .trim()
    .replace(/:$/, '')
    .toLowerCase()
    .replace(/[\s\-_#.]/g, '');

function columnOfLabel(cell: string): CodeColumn | undefined {
  const key = labelKey(cell);
  if (key === '') return undefined;
  return (Object.keys(LABELS) as CodeColumn[]).find((column) => LABELS[column].includes(key));
}

/** A status cell that says the code is spent (Apple's re-downloaded sheets list only unspent ones). */
const SPENT = /^(redeemed|used|yes|true|claimed|consumed|spent)$/i;

export interface OrderDetails {
  orderId?: string;
  productName?: string;
  adamId?: string;
  orderDate?: string;
}

export interface CodeSheetRow {
  readonly line: number;
  /** The cell as found (trimmed); `code` when it has a code's shape. */
  readonly raw: string;
  readonly code?: string;
  readonly link?: string;
  /** The row's own order details, where the layout has them per row. */
  readonly order: OrderDetails;
  readonly spent: boolean;
}

export interface CodeSheet {
  /** The order details of the leading rows. */
  readonly order: OrderDetails;
  /** The header's line; 0 for a file without one. */
  readonly headerLine: number;
  readonly rows: readonly CodeSheetRow[];
}

const HEADER_HINT =
  'Give it a header row with a "Code" column (as Apple\'s spreadsheet has), or one code per line in the first column.';

/** How many leading rows are searched for the header. */
const HEADER_SEARCH_ROWS = 40;

function leadingDetails(rows: readonly SheetRow[]): OrderDetails {
  const details: OrderDetails = {};
  for (const { cells } of rows) {
    const filled = cells.map((c) => c.trim()).filter((c) => c !== '');
    const [first, second] = filled;
    if (!first) continue;
    let column = columnOfLabel(first);
    let value = second;
    if (!column && first.includes(':')) {
      const at = first.indexOf(':');
      column = columnOfLabel(first.slice(0, at));
      value = first.slice(at + 1).trim();
    }
    if (!column || !value || column === 'code' || column === 'link' || column === 'status') continue;
    details[column] ??= value;
  }
  return details;
}

export function readCodeSheet(rows: readonly SheetRow[]): CodeSheet {
  const nonEmpty = rows.filter((r) => r.cells.some((c) => c.trim() !== ''));
  const headerAt = nonEmpty
    .slice(0, HEADER_SEARCH_ROWS)
    .findIndex((r) => r.cells.some((c) => columnOfLabel(c) === 'code'));
  if (headerAt < 0) {
    // No header: codes from the first column, if the first row already is one.
    const first = nonEmpty[0]?.cells.find((c) => c.trim() !== '');
    if (first === undefined || normaliseRedemptionCode(first) === undefined) {
      throw new ValidationError('codes.header_invalid', `The file has no code column. ${HEADER_HINT}`);
    }
    return {
      order: {},
      headerLine: 0,
      rows: nonEmpty.map((r) => rowOf(r, { code: 0 })),
    };
  }
  const header = nonEmpty[headerAt] as SheetRow;
  const positions: Partial<Record<CodeColumn, number>> = {};
  header.cells.forEach((cell, i) => {
    const column = columnOfLabel(cell);
    if (column && positions[column] === undefined) positions[column] = i;
  });
  return {
    order: leadingDetails(nonEmpty.slice(0, headerAt)),
    headerLine: header.line,
    rows: nonEmpty.slice(headerAt + 1).map((r) => rowOf(r, positions)),
  };
}

function rowOf(row: SheetRow, positions: Partial<Record<CodeColumn, number>>): CodeSheetRow {
  const cell = (column: CodeColumn) => {
    const at = positions[column];
    const value = at === undefined ? undefined : row.cells[at]?.trim();
    return value === '' ? undefined : value;
  };
  const raw = cell('code') ?? '';
  const code = normaliseRedemptionCode(raw);
  const order: OrderDetails = {};
  for (const column of ['orderId', 'productName', 'adamId', 'orderDate'] as const) {
    const value = cell(column);
    if (value !== undefined) order[column] = value;
  }
  const link = cell('link');
  return {
    line: row.line,
    raw,
    ...(code ? { code } : {}),
    ...(link ? { link } : {}),
    order,
    spent: SPENT.test(cell('status') ?? ''),
  };
}

const LF = 0x0a;
const CR = 0x0d;

function lineBreaks(bytes: Uint8Array, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) if (bytes[i] === LF || (bytes[i] === CR && bytes[i + 1] !== LF)) count++;
  return count;
}

/**
 * The rows of a CSV file, each with the line it starts on: UTF-8 with or without a BOM, any line ends,
 * commas or (as a European Excel saves) semicolons between cells. Errors: codes.malformed (400).
 */
export function csvRows(bytes: Buffer): SheetRow[] {
  const text = bytes.toString('utf8');
  const firstLine = text.split(/\r\n|\n|\r/, 1)[0] ?? '';
  const delimiter = !firstLine.includes(',') && firstLine.includes(';') ? ';' : ',';
  const records: { record: string[]; end: number }[] = [];
  try {
    parse(bytes, {
      bom: true,
      delimiter,
      relax_column_count: true,
      skip_empty_lines: false,
      record_delimiter: ['\r\n', '\n', '\r'],
      on_record: (record, context) => {
        records.push({ record, end: context.bytes });
        return null;
      },
    });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const line = error.lines;
    throw new ValidationError(
      'codes.malformed',
      `The file is not valid CSV${typeof line === 'number' ? ` (line ${line})` : ''}: check its quotes.`,
      typeof line === 'number' ? { line } : undefined,
    );
  }
  const rows: SheetRow[] = [];
  let scanned = 0;
  let line = 1;
  for (const { record, end } of records) {
    rows.push({ line, cells: record });
    line += lineBreaks(bytes, scanned, end);
    scanned = end;
  }
  return rows;
}
