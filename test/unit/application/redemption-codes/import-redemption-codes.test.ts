/**
 * Importing Apple's spreadsheets of redemption codes (import-redemption-codes.ts, read-code-sheet.ts,
 * xlsx-rows.ts): each accepted layout (shared/domain/redemption-codes.md) in files the test writes,
 * duplicates, bad rows with their lines, the limits, and codes only ever stored sealed.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import writeXlsxFile from 'write-excel-file/node';
import { existingCodeCipher } from '../../../../shared/application/redemption-codes/code-cipher.ts';
import {
  importRedemptionCodes,
  MAX_CODE_FILE_BYTES,
  MAX_CODE_ROWS,
} from '../../../../shared/application/redemption-codes/import-redemption-codes.ts';
import type { Account } from '../../../../shared/domain/account.ts';
import {
  DomainError,
  ForbiddenError,
  RuleViolationError,
  ValidationError,
} from '../../../../shared/domain/errors.ts';
import { CODE_FILE_TYPES } from '../../../../shared/domain/redemption-code.ts';
import { type FakeDeps, fakeDeps } from '../../../support/fakes/index.ts';
import { givenAccount, givenAsset, orgAdmin, viewer } from '../../support/world.ts';

const ADAM = '361309726';
let deps: FakeDeps;
let account: Account;

beforeEach(async () => {
  deps = fakeDeps();
  account = await givenAccount(deps);
  givenAsset(deps, account, { adamId: ADAM });
});

const csv = (text: string) => ({ bytes: Buffer.from(text, 'utf8'), contentType: CODE_FILE_TYPES.csv });
const xlsx = async (rows: (string | null)[][]) => ({
  bytes: await writeXlsxFile(
    rows.map((r) => r.map((value) => (value === null ? null : { value }))),
  ).toBuffer(),
  contentType: CODE_FILE_TYPES.xlsx,
});
const link = (code: string) =>
  `https://buy.itunes.apple.com/WebObjects/MZFinance.woa/wa/freeProductCodeWizard?code=${code}`;

async function storedCodes() {
  const cipher = await existingCodeCipher(deps, account.orgId);
  const codes = await deps.redemptionCodes.listByAccount(account.id);
  return codes
    .map((c) => ({ ...c, plain: cipher?.open(c.sealed).reveal() }))
    .sort((a, b) => String(a.plain).localeCompare(String(b.plain)));
}

describe('importRedemptionCodes: the layouts', () => {
  it('reads an .xlsx with the order in leading rows above a Code | Code Redemption Link header', async () => {
    const file = await xlsx([
      ['Order ID', 'MT4F2K9XQ1'],
      ['Product', 'Keynote'],
      ['Order Date', '2019-08-14'],
      [null, null],
      ['Code', 'Code Redemption Link'],
      ['X7HJ4KLMN3PQ', link('X7HJ4KLMN3PQ')],
      ['A1B2C3D4E5F6', link('A1B2C3D4E5F6')],
    ]);
    const result = await importRedemptionCodes(deps, orgAdmin, account.id, ADAM, file);
    expect(result).toEqual({
      imported: 2,
      orders: [{ orderId: 'MT4F2K9XQ1', productName: 'Keynote', orderDate: '2019-08-14', imported: 2 }],
      rejected: [],
    });
    const stored = await storedCodes();
    expect(stored.map((c) => [c.plain, c.last4, c.state, c.adamId, c.order.orderId])).toEqual([
      ['A1B2C3D4E5F6', 'E5F6', 'available', ADAM, 'MT4F2K9XQ1'],
      ['X7HJ4KLMN3PQ', 'N3PQ', 'available', ADAM, 'MT4F2K9XQ1'],
    ]);
    // Sealed at rest: neither the code nor its link is in the record in the clear.
    for (const c of stored) {
      const { plain, ...record } = c;
      expect(JSON.stringify(record)).not.toContain(plain);
      expect(record.sealedLink).toBeDefined();
    }
    expect(deps.audit.actions('redemption_codes.imported')[0]?.details).toMatchObject({
      imported: 2,
      orderIds: ['MT4F2K9XQ1'],
    });
    expect(JSON.stringify(deps.audit.actions('redemption_codes.imported'))).not.toContain('X7HJ4KLMN3PQ');
  });

  it('reads a CSV with per-row order, product, Adam ID and status columns in any case, and "Label: value" rows', async () => {
    const file = csv(
      [
        'Volume Purchase Program: redemption codes',
        'ORDER NUMBER: MT000001',
        'redemption code,Order #,Product Name,adam_id,Purchase Date,Status',
        `q1w2e3r4t5y6,MT000002,Pages,${ADAM},10/01/2018,Unused`,
        `ZXCVBNMASDFG,,Pages,${ADAM},10/01/2018,Redeemed`,
      ].join('\r\n'),
    );
    const result = await importRedemptionCodes(deps, orgAdmin, account.id, ADAM, file);
    expect(result.rejected).toEqual([]);
    expect(result.orders.map((o) => [o.orderId, o.imported])).toEqual([
      ['MT000002', 1],
      ['MT000001', 1],
    ]);
    const stored = await storedCodes();
    expect(stored.map((c) => [c.plain, c.state, c.order.orderId, c.order.productName])).toEqual([
      ['Q1W2E3R4T5Y6', 'available', 'MT000002', 'Pages'],
      ['ZXCVBNMASDFG', 'redeemed', 'MT000001', 'Pages'],
    ]);
  });

  it('reads a semicolon CSV with a BOM, and a headerless list of codes with ?orderId=', async () => {
    const semicolons = csv('\uFEFFOrder ID;MT77\nCode;Link\nAAAA1111BBBB;x\n');
    expect((await importRedemptionCodes(deps, orgAdmin, account.id, ADAM, semicolons)).orders).toEqual([
      { orderId: 'MT77', imported: 1 },
    ]);
    const list = csv('CCCC2222DDDD\nEEEE3333FFFF\n');
    const result = await importRedemptionCodes(deps, orgAdmin, account.id, ADAM, list, { orderId: 'MT78' });
    expect(result.orders).toEqual([{ orderId: 'MT78', imported: 2 }]);
  });

  it('refuses a file with no code column (400) and an old .xls (415 with the way out)', async () => {
    await expect(
      importRedemptionCodes(deps, orgAdmin, account.id, ADAM, csv('Name,Email\nJane,j@example.test\n')),
    ).rejects.toMatchObject({ code: 'codes.header_invalid' });
    const ole = Buffer.concat([
      Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
      Buffer.alloc(64),
    ]);
    const xls = importRedemptionCodes(deps, orgAdmin, account.id, ADAM, {
      bytes: ole,
      contentType: 'application/octet-stream',
    });
    await expect(xls).rejects.toBeInstanceOf(DomainError);
    await expect(xls).rejects.toMatchObject({
      code: 'codes.xls_unsupported',
      message: expect.stringMatching(/save it as \.xlsx .* or \.csv/),
    });
    await expect(
      importRedemptionCodes(deps, orgAdmin, account.id, ADAM, {
        bytes: Buffer.from('{}'),
        contentType: 'application/json',
      }),
    ).rejects.toMatchObject({ code: 'request.unsupported_media_type' });
    await expect(
      importRedemptionCodes(deps, orgAdmin, account.id, ADAM, {
        bytes: Buffer.from('PK\u0003\u0004 not really a zip'),
        contentType: CODE_FILE_TYPES.xlsx,
      }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(deps.redemptionCodes.codes.size).toBe(0);
  });
});

describe('importRedemptionCodes: duplicates, bad rows, limits, access', () => {
  const header = 'Order ID,MT1\nCode,Code Redemption Link';

  it('stores a code once: a code already known or repeated in the file is reported, never doubled', async () => {
    await importRedemptionCodes(deps, orgAdmin, account.id, ADAM, csv(`${header}\nAAAA1111BBBB,x\n`));
    const result = await importRedemptionCodes(
      deps,
      orgAdmin,
      account.id,
      ADAM,
      csv(`${header}\naaaa1111bbbb,x\nCCCC2222DDDD,x\nCCCC2222DDDD,x\n`),
    );
    expect(result.imported).toBe(1);
    expect(result.rejected.map((r) => [r.line, r.code])).toEqual([
      [3, 'codes.already_known'],
      [5, 'codes.duplicate_in_file'],
    ]);
    expect(deps.redemptionCodes.codes.size).toBe(2);
  });

  it('reports each bad row with its line, never quoting the code, and adds the good ones', async () => {
    const file = csv(
      [
        'Order ID,MT1',
        'Code,Adam ID',
        `GOOD1111CODE,${ADAM}`,
        `,${ADAM}`,
        `no spaces allowed,${ADAM}`,
        'OTHER111CODE,999',
      ].join('\n'),
    );
    const result = await importRedemptionCodes(deps, orgAdmin, account.id, ADAM, file);
    expect(result.imported).toBe(1);
    expect(result.rejected.map((r) => [r.line, r.code])).toEqual([
      [4, 'codes.code_invalid'],
      [5, 'codes.code_invalid'],
      [6, 'codes.other_product'],
    ]);
    expect(JSON.stringify(result)).not.toMatch(/GOOD1111CODE|OTHER111CODE/);
  });

  it('adds nothing from a file with no good row (422), and asks for the order when none is named', async () => {
    const error = await importRedemptionCodes(
      deps,
      orgAdmin,
      account.id,
      ADAM,
      csv('Code\nGOOD1111CODE\n'),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuleViolationError);
    expect(error).toMatchObject({
      code: 'codes.no_valid_rows',
      details: { rejected: [{ line: 2, code: 'codes.order_unknown' }], rejectedCount: 1 },
    });
    expect(deps.redemptionCodes.codes.size).toBe(0);
    expect(deps.audit.actions('redemption_codes.imported')).toEqual([]);
  });

  it('refuses a file over 2 MB or 20,000 rows (413) before reading or writing anything', async () => {
    const big = csv(`Code\n${'A'.repeat(MAX_CODE_FILE_BYTES)}`);
    await expect(importRedemptionCodes(deps, orgAdmin, account.id, ADAM, big)).rejects.toMatchObject({
      code: 'codes.too_large',
    });
    const rows = Array.from({ length: MAX_CODE_ROWS + 1 }, (_, i) => `CODE${String(i).padStart(8, '0')}`);
    await expect(
      importRedemptionCodes(deps, orgAdmin, account.id, ADAM, csv(`Code\n${rows.join('\n')}`), {
        orderId: 'MT1',
      }),
    ).rejects.toMatchObject({ code: 'codes.too_large' });
    expect(deps.redemptionCodes.codes.size).toBe(0);
  });

  it('is for an app or book the account holds (404 otherwise)', async () => {
    await expect(
      importRedemptionCodes(deps, orgAdmin, account.id, '999', csv(`${header}\nAAAA1111BBBB,x\n`)),
    ).rejects.toMatchObject({ code: 'asset.not_found' });
  });

  it('is for those who manage the account: a viewer gets 403', async () => {
    await expect(
      importRedemptionCodes(deps, viewer, account.id, ADAM, csv(`${header}\nAAAA1111BBBB,x\n`)),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });
});
