/**
 * Redemption codes (issue 19): the codes Apple sold for an app or book before managed distribution,
 * one spreadsheet per order (the formats and their sources: redemption-codes.md beside this file).
 * A code is a secret: the record holds it only encrypted (`sealed`), findable by an HMAC
 * (`lookup`), and shows its last four characters (`last4`) to everyone but the roles that may hand
 * codes out.
 */
import * as z from 'zod';

export const REDEMPTION_CODE_STATES = ['available', 'assigned', 'redeemed', 'void'] as const;
export const RedemptionCodeStateSchema = z.enum(REDEMPTION_CODE_STATES);
export type RedemptionCodeState = z.infer<typeof RedemptionCodeStateSchema>;

/**
 * What a code looks like: Apple's are 12 to 16 upper-case letters and digits (`XXXXXXXXXXXX`); the
 * bound is loose (6 to 64 letters, digits and dashes) so that an unknown older layout still imports,
 * and tight enough that a header, a URL or a sentence is not taken for a code.
 */
export const REDEMPTION_CODE_PATTERN = /^[A-Z0-9][A-Z0-9-]{4,62}[A-Z0-9]$/;

/** A code as typed or read from a cell: trimmed, upper case; undefined when it is not a code's shape. */
export function normaliseRedemptionCode(value: string): string | undefined {
  const code = value.trim().toUpperCase();
  return REDEMPTION_CODE_PATTERN.test(code) ? code : undefined;
}

/** The media types of the files Apple's codes come in (`.xls` is refused with a hint, not read). */
export const CODE_FILE_TYPES = {
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  xls: 'application/vnd.ms-excel',
} as const;

/** What everyone but the roles that hand codes out sees of a code: its last four characters. */
export const maskRedemptionCode = (last4: string): string => `••••${last4}`;

/** The order a code came with (the leading rows or the columns of Apple's spreadsheet). */
export const CodeOrderSchema = z.object({
  orderId: z.string().min(1).max(128),
  productName: z.string().max(512).optional(),
  /** As the spreadsheet wrote it (Apple's sheets carry no time zone). */
  orderDate: z.string().max(64).optional(),
});
export type CodeOrder = z.infer<typeof CodeOrderSchema>;

export const RedemptionCodeSchema = z.object({
  id: z.string().min(1),
  orgId: z.string().min(1),
  accountId: z.string().min(1),
  adamId: z.string().min(1),
  order: CodeOrderSchema,
  state: RedemptionCodeStateSchema,
  /** AES-256-GCM of the code under the organisation's code key: `v1.<iv>.<tag>.<ciphertext>`, base64url. */
  sealed: z.string().min(1),
  /** HMAC-SHA-256 of the code under the organisation's lookup key, hex: finds a code without its value. */
  lookup: z.string().regex(/^[0-9a-f]{64}$/),
  last4: z.string().min(1).max(4),
  /** The link Apple printed beside the code, sealed like it (it carries the code). */
  sealedLink: z.string().optional(),
  /** Who holds it once handed out. */
  holder: z.object({ type: z.enum(['user', 'device']), id: z.string().min(1) }).optional(),
  importedAt: z.string(),
  updatedAt: z.string(),
  assignedAt: z.string().optional(),
  redeemedAt: z.string().optional(),
  voidedAt: z.string().optional(),
  version: z.number().int().nonnegative(),
});
export type RedemptionCode = z.infer<typeof RedemptionCodeSchema>;
