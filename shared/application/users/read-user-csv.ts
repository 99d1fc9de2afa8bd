/**
 * Reads a user import file into rows, each with the line it starts on (1-based; the header is line 1),
 * so every rejection can name the line a person sees in an editor.
 *
 * The file is RFC 4180 CSV as spreadsheets write it: UTF-8 with or without a BOM, LF, CRLF or CR line
 * ends (even mixed), quoted cells with commas, doubled quotes and line breaks. The header names the
 * columns `email` (required), `name`, `managedAppleId` and `tags`, in any order and any letter case.
 * Blank lines and rows whose cells are all empty (what spreadsheets leave after the data) are skipped.
 * Errors: import.header_invalid, import.malformed (400).
 */
import { CsvError, parse } from 'csv-parse/sync';
import { ValidationError } from '../../domain/errors.ts';

export const USER_CSV_COLUMNS = ['email', 'name', 'managedAppleId', 'tags'] as const;
export type UserCsvColumn = (typeof USER_CSV_COLUMNS)[number];

export interface UserCsvRow {
  /** The line the row starts on. */
  readonly line: number;
  /** The trimmed cells by column; a column the row has no cell for is absent. */
  readonly cells: Partial<Record<UserCsvColumn, string>>;
  /** The row has fewer cells than the header. */
  readonly missingColumns: boolean;
  /** The row has non-empty cells beyond the header's columns. */
  readonly extraCells: boolean;
}

const LF = 0x0a;
const CR = 0x0d;
const HEADER_HINT = `The first line must name the columns ${USER_CSV_COLUMNS.join(',')} (email required, any order), separated by commas.`;

/** Counts line breaks (LF, CRLF or a lone CR) in `bytes` from `from` to `to`. */
function lineBreaks(bytes: Uint8Array, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    if (bytes[i] === LF || (bytes[i] === CR && bytes[i + 1] !== LF)) count++;
  }
  return count;
}

function columnsOf(header: readonly string[]): UserCsvColumn[] {
  const known = new Map(USER_CSV_COLUMNS.map((c) => [c.toLowerCase(), c]));
  const columns: UserCsvColumn[] = [];
  const unknown: string[] = [];
  for (const cell of header) {
    const column = known.get(cell.trim().toLowerCase());
    if (column) columns.push(column);
    else unknown.push(cell.trim());
  }
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 5).map((c) => (c === '' ? '(empty)' : `"${c.slice(0, 40)}"`));
    const semicolons = header.length === 1 && (header[0] ?? '').includes(';');
    throw new ValidationError(
      'import.header_invalid',
      `Unknown column${unknown.length > 1 ? 's' : ''} ${shown.join(', ')}. ${HEADER_HINT}${semicolons ? ' This file seems to use ";" between columns.' : ''}`,
    );
  }
  const repeated = columns.filter((c, i) => columns.indexOf(c) !== i);
  if (repeated.length > 0) {
    throw new ValidationError(
      'import.header_invalid',
      `The column ${repeated[0]} appears more than once. ${HEADER_HINT}`,
    );
  }
  if (!columns.includes('email')) {
    throw new ValidationError('import.header_invalid', `The header has no email column. ${HEADER_HINT}`);
  }
  return columns;
}

export function readUserCsv(text: string): UserCsvRow[] {
  const bytes = Buffer.from(text, 'utf8');
  const records: { record: string[]; end: number }[] = [];
  try {
    parse(bytes, {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      on_record: (record, context) => {
        records.push({ record, end: context.bytes });
        return null;
      },
    });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    // csv-parse counts the line where it noticed the problem (for an unclosed quote: the last one).
    const line = error.lines;
    throw new ValidationError(
      'import.malformed',
      `The file is not valid CSV${typeof line === 'number' ? ` (line ${line})` : ''}: check its quotes. A cell with a comma, a quote or a line break must be quoted, and a quote inside it doubled ("").`,
      typeof line === 'number' ? { line } : undefined,
    );
  }

  const [header, ...data] = records;
  if (!header || header.record.every((c) => c.trim() === '')) {
    throw new ValidationError('import.header_invalid', `The file has no header row. ${HEADER_HINT}`);
  }
  const columns = columnsOf(header.record);

  const rows: UserCsvRow[] = [];
  let scanned = header.end;
  let line = 1 + lineBreaks(bytes, 0, header.end);
  for (const { record, end } of data) {
    // The row starts after the line breaks of any blank lines skipped before it.
    let start = scanned;
    while (start < end && (bytes[start] === LF || bytes[start] === CR)) start++;
    line += lineBreaks(bytes, scanned, start);
    const startLine = line;
    line += lineBreaks(bytes, start, end);
    scanned = end;
    if (record.every((c) => c.trim() === '')) continue;
    const cells: Partial<Record<UserCsvColumn, string>> = {};
    columns.forEach((column, i) => {
      const value = record[i];
      if (value !== undefined) cells[column] = value.trim();
    });
    rows.push({
      line: startLine,
      cells,
      missingColumns: record.length < columns.length,
      extraCells: record.slice(columns.length).some((c) => c.trim() !== ''),
    });
  }
  return rows;
}
