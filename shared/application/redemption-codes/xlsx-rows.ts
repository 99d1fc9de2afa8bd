/**
 * The rows of the first sheet of an `.xlsx` file, read with read-excel-file (maintained, no known
 * vulnerability, no native code). Imported only by the code import, so only its bundle carries the
 * parser (test/infra checks the other bundles). Errors: codes.malformed (400).
 */
import { readSheet } from 'read-excel-file/node';
import { ValidationError } from '../../domain/errors.ts';
import type { SheetRow } from './read-code-sheet.ts';

const cellText = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value);
};

export async function xlsxRows(bytes: Buffer): Promise<SheetRow[]> {
  let data: unknown[][];
  try {
    data = (await readSheet(bytes)) as unknown[][];
  } catch {
    throw new ValidationError(
      'codes.malformed',
      'The file is not a readable .xlsx workbook: open it in a spreadsheet and save it again as .xlsx or .csv.',
    );
  }
  return data.map((cells, i) => ({ line: i + 1, cells: cells.map(cellText) }));
}
