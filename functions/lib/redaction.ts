/**
 * The one redaction step of the logging path: every string a log line holds passes through `redact`
 * (the Powertools logger's JSON replacer, and the local runtime's own lines), so no content token,
 * notification secret, invitation token or `Authorization` value reaches a log, whatever failed and
 * whatever text a library quoted it in (fetch's "invalid header value" message, a stack, a `cause`).
 *
 * Two kinds of rules, so that neither depends on a call site:
 * - What the process knows: every registered secret (`knownSecrets`), whole and in every piece of
 *   `SECRET_PIECE_LENGTH` characters, so a truncated or line-wrapped secret is masked too.
 * - What a secret looks like, for those the process never held: `Bearer <credential>`, an
 *   `Authorization: ...` value, a JWT, and base64 of JSON (`eyJ...`, which every content token is).
 *
 * Ordinary identifiers stay readable: UUIDs, ISO dates, adamIds and route keys match no rule.
 */
import {
  knownSecrets,
  SECRET_PIECE_LENGTH,
  type SecretRegistry,
} from '../../shared/domain/secret-registry.ts';

export const REDACTED = '[redacted]';

/** A JWT: base64url header and payload (both JSON, so both start `eyJ`) and a signature. */
const JWT = /eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
/** Base64 (or base64url) of a JSON object, 20 characters or more: a content token Apple issued. */
const BASE64_JSON = /eyJ[A-Za-z0-9+/_-]{17,}={0,2}/g;
/** The credential after a bearer scheme (quoted or not), up to the next space or quote. */
const BEARER = /\b(bearer\s+["'`]?)[^\s"'`]+/gi;
/** The value of an `Authorization` header quoted in text (`authorization: Basic ...`), to the line's end. */
const AUTHORIZATION_VALUE = /\b(authorization["']?\s*[:=]\s*["']?)[^\r\n"']+/gi;

/** Keys whose string value is a credential whatever it looks like (headers, settings, bodies). */
const SECRET_KEY = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|token|password)$|secret/i;

/**
 * The text with every secret masked as `[redacted]`. Pure but for the registry it reads (the
 * process's own unless another is given, as tests do).
 */
export function redact(text: string, secrets: SecretRegistry = knownSecrets): string {
  if (text.length < 8) return text;
  // Known secrets first, on the text as it came: a shape rule that cut one first could leave a
  // stub too short to be recognised. The shape rules cannot bring a masked piece back.
  let masked = maskKnownPieces(text, secrets);
  for (const value of secrets.shortValues()) {
    if (masked.includes(value)) masked = masked.replaceAll(value, REDACTED);
  }
  return masked
    .replace(JWT, REDACTED)
    .replace(BASE64_JSON, REDACTED)
    .replace(BEARER, `$1${REDACTED}`)
    .replace(AUTHORIZATION_VALUE, `$1${REDACTED}`);
}

/**
 * Masks every run of the text made of pieces of registered secrets: each window of
 * `SECRET_PIECE_LENGTH` characters is looked up in the registry's index (one hash lookup per
 * position, so the cost grows with the text, not with the number of secrets), and overlapping
 * matches merge into one masked run.
 */
function maskKnownPieces(text: string, secrets: SecretRegistry): string {
  if (text.length < SECRET_PIECE_LENGTH || !secrets.hasPieces) return text;
  let out = '';
  let copiedTo = 0;
  let runStart = -1;
  let runEnd = -1;
  for (let at = 0; at + SECRET_PIECE_LENGTH <= text.length; at++) {
    if (!secrets.hasPiece(text.slice(at, at + SECRET_PIECE_LENGTH))) continue;
    if (at > runEnd) {
      // A gap since the last run: that run is complete, so it is written out masked.
      if (runStart >= 0) {
        out += text.slice(copiedTo, runStart) + REDACTED;
        copiedTo = runEnd;
      }
      runStart = at;
    }
    runEnd = at + SECRET_PIECE_LENGTH;
  }
  if (runStart < 0) return text;
  return `${out}${text.slice(copiedTo, runStart)}${REDACTED}${text.slice(runEnd)}`;
}

/**
 * The Powertools logger's `jsonReplacerFn`: called for every key and value while a log line is
 * JSON-encoded, errors included (the logger formats an Error into an object of strings, message,
 * stack and nested causes, and encodes those through this replacer too).
 */
export function redactingJsonReplacer(key: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (key !== '' && SECRET_KEY.test(key) && value !== '') return REDACTED;
  return redact(value);
}
