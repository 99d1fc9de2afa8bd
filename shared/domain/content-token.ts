/**
 * The content token ("sToken") of one Apple location: the `.vpptoken` file that a content manager
 * downloads from Apple School Manager or Apple Business. The file is a base64 string that decodes to
 * `{token, expDate, orgName}`; the whole base64 string is what Apple expects as the bearer.
 * People paste it as they find it: wrapped at 76 columns, with CRLF, spaces, tabs or a BOM. None of
 * that is part of the token (base64 has no whitespace), so it is removed before the text is decoded,
 * stored or sent: a bearer with a line break is a header Node refuses to send.
 * Source: apple-vpp-api.md §2.2.
 */
import { formatAppleDate, parseAppleDate } from './apple-date.ts';
import { Secret } from './secret.ts';

export interface ContentToken {
  /** The whole file content with every whitespace character removed: the bearer credential. */
  readonly secret: Secret;
  readonly orgName: string;
  readonly expiresAt: Date;
}

export type ContentTokenProblem = 'blank' | 'malformed' | 'expired';

export type ParsedContentToken =
  | { readonly ok: true; readonly token: ContentToken }
  | { readonly ok: false; readonly problem: ContentTokenProblem; readonly message: string };

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * What a paste adds to a token: any whitespace (`\s` covers CR, LF, tabs, spaces and the BOM U+FEFF)
 * and the zero-width characters a web page or word processor slips in.
 */
const PASTED_SPACING = /[\s\u200B-\u200D\u2060]+/g;

function malformed(message: string): ParsedContentToken {
  return { ok: false, problem: 'malformed', message };
}

/**
 * Reads the content of a `.vpptoken` file and says precisely what is wrong with it when it is not a
 * usable content token. It never echoes the file's content.
 */
export function parseContentToken(fileContent: string, now: Date): ParsedContentToken {
  // `text` keeps its inner spacing for the ADE/DEP check, whose S/MIME headers are phrases.
  const text = fileContent.replace(/^\uFEFF/, '').trim();
  const compact = text.replace(PASTED_SPACING, '');
  if (compact === '') return { ok: false, problem: 'blank', message: "VPP service token can't be blank." };

  if (/BEGIN MESSAGE|BEGIN PKCS7|application\/pkcs7-mime|smime\.p7m|MIME-Version:/i.test(text)) {
    return malformed(
      'This is a device enrolment (ADE/DEP) server token, not a content token. Download the content token ' +
        'from Apple School Manager or Apple Business under Settings > Payments and Billing > Apps and Books.',
    );
  }
  if (!BASE64.test(compact))
    return malformed('The token is not base64 text: upload the .vpptoken file as downloaded from Apple.');

  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(compact, 'base64').toString('utf8'));
  } catch {
    return malformed(
      'The token does not decode to JSON: upload the .vpptoken file as downloaded from Apple.',
    );
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) {
    return malformed('The token does not decode to a JSON object with token, expDate and orgName.');
  }
  const fields = decoded as Record<string, unknown>;
  if ('consumer_key' in fields || 'access_token' in fields || 'access_secret' in fields) {
    return malformed(
      'This is a device enrolment (ADE/DEP) server token, not a content token. Download the content token ' +
        'from Apple School Manager or Apple Business under Settings > Payments and Billing > Apps and Books.',
    );
  }
  const missing = ['token', 'expDate', 'orgName'].filter(
    (f) => typeof fields[f] !== 'string' || fields[f] === '',
  );
  if (missing.length > 0) {
    return malformed(`The token is missing ${missing.join(', ')}: it is not an Apple content token.`);
  }
  const expiresAt = parseAppleDate(fields.expDate as string);
  if (!expiresAt) return malformed('The token has an expiry date (expDate) that is not a date.');
  if (expiresAt.getTime() <= now.getTime()) {
    return {
      ok: false,
      problem: 'expired',
      message: `The token expired on ${expiresAt.toISOString().slice(0, 10)}. Download a new one from Apple.`,
    };
  }
  return { ok: true, token: { secret: new Secret(compact), orgName: fields.orgName as string, expiresAt } };
}

/** Writes a token file's content in Apple's format (used by the simulator and by tests). */
export function encodeContentToken(payload: { token: string; expiresAt: Date; orgName: string }): string {
  const json = JSON.stringify({
    token: payload.token,
    expDate: formatAppleDate(payload.expiresAt),
    orgName: payload.orgName,
  });
  return Buffer.from(json, 'utf8').toString('base64');
}
