/**
 * Redemption-code imports through the API, in local mode (issue 19 point 1): an .xlsx and a .csv as
 * uploaded, each code stored sealed in DynamoDB Local under a key kept in the local Secrets Manager,
 * duplicates across imports, the .xls refusal, who may import, and many imports of one file at once
 * storing each code once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import writeXlsxFile from 'write-excel-file/node';
import {
  codeKeysSecretName,
  existingCodeCipher,
} from '../../shared/application/redemption-codes/code-cipher.ts';
import { type Caller, eventually, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

let rt: TestRuntime;
let north: string;
let ADAM = '';
const VIEWER: Caller = { org: 'demo', role: 'viewer', email: 'viewer@demo.test' };
const OTHER_ORG: Caller = { org: 'acme', role: 'org-admin', email: 'boss@acme.test' };
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

beforeAll(async () => {
  rt = await startTestRuntime();
  const created = await rt.call('POST', '/v1/accounts', {
    body: { name: 'North', email: 'it@demo.test', token: rt.tokenFile('demo-north') },
  });
  expect(created.status).toBe(201);
  north = created.body.id;
  await eventually(
    async () => (await rt.deps.syncStates.get(north))?.lastFullSyncAt,
    30_000,
    'the first sync',
  );
  const [asset] = await rt.deps.assets.listByAccount(north);
  if (!asset) throw new Error('the account synced no asset');
  ADAM = asset.adamId;
});

afterAll(async () => {
  await rt?.stop();
});

const imports = (adamId = ADAM, accountId = north) =>
  `/v1/accounts/${accountId}/assets/${adamId}/redemption-codes/imports`;
const upload = (body: string | Uint8Array, contentType: string, as?: Caller, query = '') =>
  rt.call('POST', `${imports()}${query}`, {
    raw: body,
    headers: { 'content-type': contentType },
    ...(as ? { as } : {}),
  });

async function plainCodes(): Promise<string[]> {
  const cipher = await existingCodeCipher(rt.deps, 'demo');
  const codes = await rt.deps.redemptionCodes.listByAccount(north);
  return codes.map((c) => cipher?.open(c.sealed).reveal() ?? '').sort();
}

describe('POST .../redemption-codes/imports', () => {
  it('answers files that are not spreadsheets with a 4xx: NUL bytes, bytes that are not UTF-8, 100,000 columns', async () => {
    const bodies: (string | Uint8Array)[] = [
      'Order ID,MTBAD\r\nCode\r\na\u0000b@x.test\r\n\u001b[31m@x.test\r\n',
      new Uint8Array([0x43, 0x6f, 0x64, 0x65, 0x0d, 0x0a, 0xff, 0xfe, 0xc0, 0xaf, 0x0d, 0x0a]),
      `${Array.from({ length: 100_000 }, (_, i) => `c${i}`).join(',')}\r\n`,
    ];
    for (const body of bodies) {
      const answer = await upload(body, 'text/csv');
      expect([400, 422]).toContain(answer.status);
    }
  });

  it('imports an .xlsx as uploaded (binary through the gateway) and a .csv, storing each code once and sealed', async () => {
    const sheet = await writeXlsxFile([
      [{ value: 'Order ID' }, { value: 'MTXLSX0001' }],
      [{ value: 'Product' }, { value: 'Keynote' }],
      [{ value: 'Code' }, { value: 'Code Redemption Link' }],
      [{ value: 'XL5X0000AAA1' }, { value: 'https://buy.itunes.apple.com/?code=XL5X0000AAA1' }],
      [{ value: 'XL5X0000AAA2' }, { value: 'https://buy.itunes.apple.com/?code=XL5X0000AAA2' }],
    ]).toBuffer();
    const first = await upload(new Uint8Array(sheet), XLSX);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toEqual({
      imported: 2,
      orders: [{ orderId: 'MTXLSX0001', productName: 'Keynote', imported: 2 }],
      rejected: [],
    });
    const second = await upload('Order ID,MTCSV0001\r\nCode\r\nXL5X0000AAA1\r\nCSV00000BBB1\r\n', 'text/csv');
    expect(second.status).toBe(201);
    expect(second.body.rejected).toEqual([
      { line: 3, code: 'codes.already_known', reason: expect.any(String) },
    ]);
    expect(await plainCodes()).toEqual(['CSV00000BBB1', 'XL5X0000AAA1', 'XL5X0000AAA2']);
    // At rest: the table holds no code, the key is in the secret store.
    const items = JSON.stringify(await rt.deps.redemptionCodes.listByAccount(north));
    for (const code of await plainCodes()) expect(items).not.toContain(code);
    expect(await rt.deps.secrets.get(codeKeysSecretName('demo'))).toBeDefined();
    expect(JSON.stringify(first.body) + JSON.stringify(second.body)).not.toContain('XL5X0000AAA1');
  });

  it('stores each code once when the same file is imported ten times at once', async () => {
    const file = `Order ID,MTRACE\r\nCode\r\n${Array.from({ length: 30 }, (_, i) => `RACE${String(i).padStart(8, '0')}`).join('\r\n')}\r\n`;
    const answers = await Promise.all(Array.from({ length: 10 }, () => upload(file, 'text/csv')));
    const imported = answers.reduce(
      (sum, a) => sum + (a.status === 201 ? (a.body.imported as number) : 0),
      0,
    );
    expect(imported).toBe(30);
    expect(answers.every((a) => a.status === 201 || a.body.error?.code === 'codes.no_valid_rows')).toBe(true);
    expect((await plainCodes()).filter((c) => c.startsWith('RACE'))).toHaveLength(30);
  });

  it('refuses an .xls with a 415 saying to save it as .xlsx or .csv, a viewer with 403, another organisation with 404', async () => {
    const ole = new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, ...new Array(56).fill(0)]);
    const xls = await upload(ole, 'application/vnd.ms-excel');
    expect(xls.status).toBe(415);
    expect(xls.body.error.code).toBe('codes.xls_unsupported');
    expect(xls.body.error.message).toMatch(/\.xlsx.*\.csv/);
    const file = 'Order ID,MTX\r\nCode\r\nVIEW0000CODE\r\n';
    expect((await upload(file, 'text/csv', VIEWER)).status).toBe(403);
    expect((await upload(file, 'text/csv', OTHER_ORG)).status).toBe(404);
    expect(await plainCodes()).not.toContain('VIEW0000CODE');
  });
});
