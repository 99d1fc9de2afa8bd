/** Redemption codes of an app or book (issue 19): import Apple's spreadsheet of an order. */
import * as z from 'zod';
import type {
  CodeImportOrder,
  CodeImportRejection,
  CodeImportResult,
} from '../application/redemption-codes/import-redemption-codes.ts';
import { CODE_FILE_TYPES } from '../domain/redemption-code.ts';
import { AssetParams } from './assets.ts';
import { jwtRoutes, queryText, schemaOf } from './route.ts';

const CodeImportRejectionSchema = schemaOf<CodeImportRejection>()(
  z
    .object({
      line: z
        .number()
        .int()
        .meta({ description: 'The row in the file (1-based), as a spreadsheet numbers it.' }),
      code: z.string().meta({
        description:
          'Why, to branch on: codes.code_invalid, codes.other_product, codes.order_unknown, codes.duplicate_in_file, codes.already_known.',
      }),
      reason: z.string(),
    })
    .meta({ id: 'CodeImportRejection', description: 'A row not added; it never quotes the code.' }),
);

const CodeImportOrderSchema = schemaOf<CodeImportOrder>()(
  z
    .object({
      orderId: z.string(),
      productName: z.string().optional(),
      orderDate: z.string().optional().meta({ description: 'As the spreadsheet wrote it.' }),
      imported: z.number().int(),
    })
    .meta({ id: 'CodeImportOrder' }),
);

export const CodeImportResultSchema = schemaOf<CodeImportResult>()(
  z
    .object({
      imported: z.number().int(),
      orders: z.array(CodeImportOrderSchema),
      rejected: z.array(CodeImportRejectionSchema),
    })
    .meta({ id: 'CodeImportResult' }),
);

const assetCodesRoute = jwtRoutes('redemption-codes', { params: AssetParams });

export const importRedemptionCodes = assetCodesRoute(
  'importRedemptionCodes',
  'POST /v1/accounts/{accountId}/assets/{adamId}/redemption-codes/imports',
  {
    summary:
      "Import Apple's spreadsheet of an order of redemption codes (.xlsx or .csv as downloaded; .xls is 415, save it as .xlsx or .csv). Each code is stored once, sealed; bad rows are reported by line; a file with no good row adds nothing (422 codes.no_valid_rows). At most 2 MB and 20,000 rows (413). Admins of the account and org-admins.",
    query: z.object({
      orderId: queryText(128)
        .optional()
        .meta({ description: 'The order, for a file that does not name it.' }),
    }),
    bodyType: 'file',
    fileTypes: [CODE_FILE_TYPES.csv, CODE_FILE_TYPES.xlsx],
    fileDescription:
      "Apple's spreadsheet of the order, as downloaded (.xlsx), or saved as .csv (commas or semicolons, UTF-8). Optional leading rows with the order's details (Order ID, Product, Order Date, Adam ID: label and value), then a header row with a Code column (Code, Redemption Code, VPP Code, …) and optionally Code Redemption Link, Order ID, Product, Adam ID, Order Date, Status; or one code per line with ?orderId=. Header names in any letter case. At most 2 MB and 20,000 rows.",
    response: { status: 201, schema: CodeImportResultSchema },
    errors: [404, 413, 415, 422],
  },
);

export const REDEMPTION_CODE_ROUTES = [importRedemptionCodes];
