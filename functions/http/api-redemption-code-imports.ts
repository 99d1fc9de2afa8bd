/**
 * Imports of redemption-code spreadsheets (issue 19): its own function, so that the spreadsheet
 * parser (read-excel-file) is in this bundle only.
 */
import { importRedemptionCodes } from '../../shared/api/redemption-codes.ts';
import * as codes from '../../shared/application/redemption-codes/import-redemption-codes.ts';
import { ValidationError } from '../../shared/domain/errors.ts';
import { bind, httpFunction } from '../lib/http.ts';

export const handler = httpFunction(
  bind(importRedemptionCodes, async ({ deps, principal, params, query, file }) => {
    if (!file) throw new ValidationError('request.body_missing', 'This request needs the file as its body.');
    return {
      status: 201,
      body: await codes.importRedemptionCodes(deps, principal, params.accountId, params.adamId, file, {
        ...(query.orderId ? { orderId: query.orderId } : {}),
      }),
    };
  }),
);
