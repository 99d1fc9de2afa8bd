/**
 * The abuse suite's case generator: reads the OpenAPI document the service serves and makes, for
 * every operation, the bad requests of every class the security issue lists (wrong JSON, wrong types,
 * missing and unknown fields, huge strings, arrays and numbers, control characters, malformed and
 * foreign path ids, bad query values and cursors, wrong content types, oversized requests, unrouted
 * methods, bad JWTs), each with the answer it must get. New routes join by being in the document; a
 * construct the generator does not know (a parameter without a realistic value, a media type, a
 * schema keyword it cannot satisfy) is a problem the suite reports as a failure, never a skip.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = Record<string, unknown>;

export interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required?: boolean;
  readonly schema: Schema;
}

export interface Operation {
  readonly operationId: string;
  readonly security?: readonly unknown[];
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: {
    readonly required?: boolean;
    readonly content: Record<string, { schema: Schema }>;
  };
  readonly responses: Record<string, { content?: Record<string, unknown> }>;
}

export interface OpenApiDocument {
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: { readonly schemas: Record<string, Schema> };
}

/** An operation with its method and path template. */
export interface Op {
  readonly id: string;
  readonly method: string;
  readonly template: string;
  readonly operation: Operation;
  readonly jwt: boolean;
  /** A page for a browser (HTML or a redirect): its errors may be pages too. */
  readonly page: boolean;
  readonly success: number;
  readonly pathParams: readonly Parameter[];
  readonly queryParams: readonly Parameter[];
  readonly idempotent: boolean;
  readonly media?: string;
  readonly bodySchema?: Schema;
}

export type CallerName =
  | 'orgAdmin'
  | 'viewer'
  | 'listedAdmin'
  | 'unlistedAdmin'
  | 'otherOrgAdmin'
  | 'otherOrgViewer';

/** A known caller (its JWT), or a raw Authorization header (undefined: none at all). */
export type Auth = { readonly caller: CallerName } | { readonly authorization: string | undefined };

export type Shape = 'error' | 'gateway' | 'page' | 'error-or-page' | 'any';

export interface Expectation {
  readonly status: readonly number[];
  /** `error.code` must be one of these (error shape only). */
  readonly codes?: readonly string[];
  readonly shape: Shape;
}

export const CLASSES = [
  'malformed-json',
  'wrong-type',
  'missing-field',
  'unknown-field',
  'huge-string',
  'control-chars',
  'huge-array',
  'huge-number',
  'text-body',
  'path-malformed',
  'path-foreign',
  'query',
  'cursor',
  'content-type',
  'oversize',
  'method',
  'idempotency',
  'bad-jwt',
  'bad-claims',
] as const;
export type CaseClass = (typeof CLASSES)[number];

export interface AbuseCase {
  readonly cls: CaseClass;
  readonly op: string;
  readonly name: string;
  readonly method: string;
  /** The raw request target: percent-escapes exactly as they go on the wire. */
  readonly target: string;
  readonly auth: Auth;
  readonly headers?: Readonly<Record<string, string>>;
  /** A function: a large body, made when it is sent. */
  readonly body?: string | Uint8Array | (() => string | Uint8Array);
  /** null: no Content-Type header at all. */
  readonly contentType?: string | null;
  readonly expect: Expectation;
  /** A request that may write (accepted on purpose, or a store's refused conditional write): not counted. */
  readonly mayWrite?: boolean;
  /** Substrings the answer must never carry (the value of a field that holds a secret). */
  readonly forbidden?: readonly string[];
  /** The answer must come within this many milliseconds. */
  readonly maxMs?: number;
  /** Extra checks on the answer; a string is a failure. */
  readonly check?: (answer: { status: number; json: unknown; text: string }) => string | undefined;
}

/** Real values, by name: path parameters and request body properties. */
export interface Fixtures {
  readonly path: Readonly<Record<string, string>>;
  readonly body: Readonly<Record<string, Json>>;
}

export interface Inputs {
  readonly doc: OpenApiDocument;
  /** Real ids of the organisation under test. */
  readonly own: Fixtures;
  /** Real ids of another organisation (the values the caller must not reach); absent names have none. */
  readonly foreign: Readonly<Record<string, string>>;
  /** Per list operation: a real cursor of the caller's list, and one of the other organisation's. */
  readonly cursors: Readonly<Record<string, { own: string; otherOrg: string }>>;
  /** Per job-starting operation: the first caller's request and its job (made before the cases run). */
  readonly idempotency: Readonly<
    Record<
      string,
      {
        key: string;
        fixtures: Fixtures;
        jobId: string;
        /** Fixtures for another valid request under the same key (new users and devices). */
        otherFixtures: Fixtures;
      }
    >
  >;
  /** Credentials that must be refused (401), by name: an Authorization header, or a query string instead. */
  readonly badAuthorizations: Readonly<Record<string, { header?: string; query?: string }>>;
  /** Validly signed tokens with claims the service cannot use, by name. */
  readonly badClaims: Readonly<Record<string, string>>;
}

export class Unhandled extends Error {}

const MB = 1024 * 1024;
const GATEWAY_BODY_LIMIT = 10 * MB;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const SECRET_FIELD = /token|secret|code/i;
const RAW = 'RAW_JSON_PLACEHOLDER_9c1e';

// ---------------------------------------------------------------------------------------------
// The document

export function operations(doc: OpenApiDocument): Op[] {
  const out: Op[] = [];
  for (const [template, byMethod] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(byMethod)) {
      const params = operation.parameters ?? [];
      const statuses = Object.keys(operation.responses).map(Number);
      const success = statuses.filter((s) => s >= 200 && s < 400).sort()[0];
      if (success === undefined) throw new Unhandled(`${operation.operationId}: no success response`);
      const ok = operation.responses[String(success)];
      const okTypes = Object.keys(ok?.content ?? {});
      const content = Object.entries(operation.requestBody?.content ?? {});
      const [media, body] = content[0] ?? [];
      out.push({
        id: operation.operationId,
        method: method.toUpperCase(),
        template,
        operation,
        jwt: (operation.security ?? []).length > 0,
        // A page, or an answer the document gives no JSON schema for (the OpenAPI document itself).
        page: success >= 300 || !okTypes.some((t) => t.includes('json')),
        success,
        pathParams: params.filter((p) => p.in === 'path'),
        queryParams: params.filter((p) => p.in === 'query'),
        idempotent: params.some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key'),
        ...(media ? { media, bodySchema: body?.schema ?? {} } : {}),
      });
    }
  }
  return out;
}

function resolve(doc: OpenApiDocument, schema: Schema): Schema {
  let s = schema;
  for (let i = 0; i < 20 && typeof s.$ref === 'string'; i++) {
    const ref = s.$ref as string;
    const name = /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
    const target = name ? doc.components.schemas[name] : undefined;
    if (!target) throw new Unhandled(`unknown $ref ${ref}`);
    const { $ref: _ref, ...rest } = s;
    s = { ...target, ...rest };
  }
  return s;
}

type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object' | 'null';

function typeOfValue(v: Json): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v as JsonType;
}

/** The JSON types a schema allows; undefined: any. */
function typesOf(doc: OpenApiDocument, schema: Schema): Set<JsonType> | undefined {
  const s = resolve(doc, schema);
  const out = new Set<JsonType>();
  const branches = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (branches) {
    for (const branch of branches) {
      const t = typesOf(doc, branch);
      if (!t) return undefined;
      for (const x of t) out.add(x);
    }
    return out;
  }
  if (Array.isArray(s.enum)) for (const v of s.enum as Json[]) out.add(typeOfValue(v));
  if (s.const !== undefined) out.add(typeOfValue(s.const as Json));
  const type = s.type;
  for (const t of Array.isArray(type) ? type : type ? [type] : []) out.add(t as JsonType);
  if (out.has('number')) out.add('integer');
  return out.size > 0 ? out : undefined;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** RFC 3339 as zod's `z.iso.datetime()` takes it (UTC, `Z`). */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/;

/** Whether a string satisfies a string schema (enum, const, lengths, pattern, format). */
export function stringOk(doc: OpenApiDocument, schema: Schema, value: string): boolean {
  const s = resolve(doc, schema);
  const branches = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (branches) return branches.some((b) => stringOk(doc, b, value));
  if (Array.isArray(s.enum)) return (s.enum as unknown[]).includes(value);
  if (s.const !== undefined) return s.const === value;
  const types = typesOf(doc, s);
  if (types && !types.has('string')) return false;
  if (typeof s.minLength === 'number' && value.length < s.minLength) return false;
  if (typeof s.maxLength === 'number' && value.length > s.maxLength) return false;
  if (typeof s.pattern === 'string' && !new RegExp(s.pattern).test(value)) return false;
  if (s.format === 'email' && !EMAIL.test(value)) return false;
  if (s.format === 'date-time' && !(DATE_TIME.test(value) && Number.isFinite(Date.parse(value))))
    return false;
  return true;
}

/** Whether a query value satisfies its schema: strings as they are; integers by the document and by coercion alike. */
function queryValueOk(doc: OpenApiDocument, schema: Schema, value: string): boolean | 'unsure' {
  const s = resolve(doc, schema);
  const types = typesOf(doc, s);
  if (types?.has('integer') || types?.has('number')) {
    const n = Number(value);
    const inRange =
      (typeof s.minimum !== 'number' || n >= s.minimum) && (typeof s.maximum !== 'number' || n <= s.maximum);
    const byDocument = (types.has('number') ? /^-?\d+(\.\d+)?$/ : /^-?\d+$/).test(value) && inRange;
    const byCoercion =
      value.trim() !== '' && Number.isFinite(n) && (types.has('number') || Number.isInteger(n)) && inRange;
    return byDocument === byCoercion ? byDocument : 'unsure';
  }
  if (types && !types.has('string')) throw new Unhandled(`query parameter of type ${[...types].join('|')}`);
  return stringOk(doc, s, value);
}

// ---------------------------------------------------------------------------------------------
// Valid values

const STRING_CANDIDATES = ['abuse', 'ABUSE-1', '361309726', 'abuse-value-0000', 'a'];

/** A value the schema accepts; `name` picks a fixture (a real id) when there is one. */
export function validValue(
  doc: OpenApiDocument,
  schema: Schema,
  name: string,
  fixtures: Fixtures['body'],
): Json {
  const fixture = fixtures[name];
  if (fixture !== undefined) return fixture;
  const s = resolve(doc, schema);
  const branches = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (branches) {
    const usable = branches.find((b) => !typesOf(doc, b)?.has('null') || typesOf(doc, b)?.size !== 1);
    if (!usable) throw new Unhandled(`${name}: no usable anyOf branch`);
    return validValue(doc, usable, name, fixtures);
  }
  if (Array.isArray(s.enum)) return (s.enum as Json[])[0] ?? null;
  if (s.const !== undefined) return s.const as Json;
  const types = typesOf(doc, s);
  if (!types) throw new Unhandled(`${name}: a schema without a type`);
  if (types.has('object')) {
    const props = (s.properties ?? {}) as Record<string, Schema>;
    const out: Record<string, Json> = {};
    for (const [key, sub] of Object.entries(props)) out[key] = validValue(doc, sub, key, fixtures);
    return out;
  }
  if (types.has('array')) {
    const min = typeof s.minItems === 'number' ? s.minItems : 0;
    if (!s.items) throw new Unhandled(`${name}: an array without items`);
    return Array.from({ length: min }, () => validValue(doc, s.items as Schema, singular(name), fixtures));
  }
  if (types.has('string')) {
    if (s.format === 'email') return 'abuse@example.test';
    if (s.format === 'date-time') return '2026-01-01T00:00:00Z';
    if (s.format && s.format !== 'email') throw new Unhandled(`${name}: string format ${String(s.format)}`);
    const min = typeof s.minLength === 'number' ? s.minLength : 0;
    for (const candidate of STRING_CANDIDATES) {
      const value = candidate.padEnd(min, 'a');
      if (stringOk(doc, s, value)) return value;
    }
    throw new Unhandled(`${name}: no value fits ${JSON.stringify(s)}`);
  }
  if (types.has('integer') || types.has('number')) {
    const min = typeof s.minimum === 'number' ? s.minimum : 0;
    if (typeof s.maximum === 'number' && min > s.maximum) throw new Unhandled(`${name}: empty range`);
    return min;
  }
  if (types.has('boolean')) return false;
  throw new Unhandled(`${name}: cannot make a value of ${[...types].join('|')}`);
}

const singular = (name: string) => (name.endsWith('s') ? name.slice(0, -1) : name);

/** A path parameter's value that fits its schema but names nothing. */
function nonexistent(doc: OpenApiDocument, param: Parameter): string {
  for (const candidate of ['does-not-exist-0000', '99999999999', 'NOPE0000', 'x']) {
    if (stringOk(doc, param.schema, candidate)) return candidate;
  }
  throw new Unhandled(`path parameter ${param.name}: no nonexistent value fits its schema`);
}

// ---------------------------------------------------------------------------------------------
// Building requests

interface Built {
  readonly target: string;
  readonly body?: string | Uint8Array;
  readonly contentType?: string | null;
}

function pathOf(op: Op, raw: Record<string, string>): string {
  return op.template.replace(/\{(\w+)\+?\}/g, (_m, name: string) => {
    const value = raw[name];
    if (value === undefined) throw new Unhandled(`${op.id}: no value for path parameter ${name}`);
    return value;
  });
}

function matches(template: string, path: string): boolean {
  const source = template
    .split('/')
    .map((part) => (/^\{\w+\+?\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`).test(path);
}

function realPathValues(op: Op, fixtures: Fixtures): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of op.pathParams) {
    const value = fixtures.path[p.name];
    if (value === undefined)
      throw new Unhandled(`${op.id}: no realistic value for path parameter {${p.name}}`);
    out[p.name] = encodeURIComponent(value);
  }
  return out;
}

function requiredQuery(doc: OpenApiDocument, op: Op, fixtures: Fixtures): [string, string][] {
  return op.queryParams
    .filter((p) => p.required)
    .map((p) => [p.name, encodeURIComponent(String(validValue(doc, p.schema, p.name, fixtures.body)))]);
}

const queryString = (pairs: readonly (readonly [string, string])[]) =>
  pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join('&')}`;

/** The operation's valid body: JSON value or text. */
function validBody(
  doc: OpenApiDocument,
  op: Op,
  fixtures: Fixtures,
): { json?: Json; text: string } | undefined {
  if (!op.media || !op.bodySchema) return undefined;
  if (op.media === 'application/json') {
    const json = validValue(doc, op.bodySchema, '', fixtures.body);
    return { json, text: JSON.stringify(json) };
  }
  if (op.media === 'text/csv' && isFileUpload(doc, op)) {
    // A spreadsheet upload (redemption codes): the document describes its Code column.
    const s = resolve(doc, op.bodySchema);
    if (!/\bCode\b/.test(String(s.description ?? '')))
      throw new Unhandled(`${op.id}: the uploaded file's columns not described`);
    return { text: `${CODE_FILE.header}\r\n${CODE_FILE.good}\r\n` };
  }
  if (op.media === 'text/csv') {
    // The document describes the file: a header row with the column email (required).
    const s = resolve(doc, op.bodySchema);
    if (!typesOf(doc, s)?.has('string'))
      throw new Unhandled(`${op.id}: a text/csv body that is not a string`);
    if (!/\bemail\b/.test(String(s.description ?? '')))
      throw new Unhandled(`${op.id}: CSV columns not described`);
    return { text: 'email\r\nabuse-csv-import@example.test\r\n' };
  }
  throw new Unhandled(`${op.id}: request body of media type ${op.media}`);
}

export function validRequest(
  doc: OpenApiDocument,
  op: Op,
  fixtures: Fixtures,
  extraQuery = '',
): Built & { json?: Json } {
  const body = validBody(doc, op, fixtures);
  const q = queryString(requiredQuery(doc, op, fixtures));
  const query = extraQuery ? (q ? `${q}&${extraQuery}` : `?${extraQuery}`) : q;
  return {
    target: `${pathOf(op, realPathValues(op, fixtures))}${query}`,
    ...(body
      ? {
          body: body.text,
          contentType: op.media ?? null,
          ...(body.json !== undefined ? { json: body.json } : {}),
        }
      : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Body fields

type Path = readonly (string | number)[];

interface Field {
  readonly path: Path;
  readonly name: string;
  readonly schema: Schema;
  readonly required: boolean;
}

function fieldsOf(doc: OpenApiDocument, schema: Schema, value: Json | undefined, path: Path = []): Field[] {
  const s = resolve(doc, schema);
  const out: Field[] = [];
  const branches = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (branches) {
    const matching = branches.find((b) => value !== undefined && typesOf(doc, b)?.has(typeOfValue(value)));
    return matching ? fieldsOf(doc, matching, value, path) : out;
  }
  const types = typesOf(doc, s);
  if (types?.has('object') && value && typeof value === 'object' && !Array.isArray(value)) {
    const required = new Set((s.required ?? []) as string[]);
    for (const [key, sub] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) {
      out.push({ path: [...path, key], name: key, schema: resolve(doc, sub), required: required.has(key) });
      out.push(...fieldsOf(doc, sub, value[key], [...path, key]));
    }
  }
  if (types?.has('array') && Array.isArray(value) && value.length > 0 && s.items) {
    const items = resolve(doc, s.items as Schema);
    const itemTypes = typesOf(doc, items);
    if (itemTypes?.has('object')) out.push(...fieldsOf(doc, items, value[0], [...path, 0]));
  }
  return out;
}

function setAt(root: Json, path: Path, value: Json | typeof DELETE): Json {
  if (path.length === 0) return value === DELETE ? null : value;
  const copy = structuredClone(root) as Record<string | number, Json>;
  let node = copy as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  const last = path[path.length - 1] as string | number;
  if (value === DELETE) delete node[last];
  else node[last] = value;
  return copy as Json;
}
const DELETE = Symbol('delete');

function getAt(root: Json, path: Path): Json | undefined {
  let node: Json | undefined = root;
  for (const key of path) node = (node as Record<string | number, Json> | undefined)?.[key];
  return node;
}

const WRONG_VALUES: readonly Json[] = [12345, 'abuse-wrong-type', true, { abuse: 1 }, ['abuse'], null];

function wrongValues(doc: OpenApiDocument, schema: Schema, count: number): Json[] {
  const types = typesOf(doc, schema);
  if (!types) return [];
  const wrong = WRONG_VALUES.filter((v) => !types.has(typeOfValue(v)));
  const picked = wrong.slice(0, count);
  if (!types.has('null') && !picked.includes(null)) picked.push(null);
  return picked;
}

const describePath = (path: Path) => (path.length === 0 ? 'body' : path.join('.'));

// ---------------------------------------------------------------------------------------------
// The generator

export interface Generated {
  readonly cases: AbuseCase[];
  readonly problems: string[];
}

const ORG_ADMIN: Auth = { caller: 'orgAdmin' };
const VIEWER: Auth = { caller: 'viewer' };
const NO_AUTH: Auth = { authorization: undefined };

const CONTROL_VALUES = [
  ['NUL', 'abuse\u0000value'],
  ['CRLF and a forged log line', 'abuse\r\n{"level":"ERROR","message":"forged"}'],
  ['ANSI escape', '\u001b[31mabuse\u001b[0m'],
  ['bidi override', 'abuse\u202evalue'],
  ['lone surrogate', 'abuse\ud800value'],
  ['BEL and backspace', 'abuse\u0007\u0008value'],
] as const;

const MALFORMED_JSON = [
  ['an unclosed object', '{'],
  ['a key without a value', '{"abuse":'],
  ['an unclosed array', '[1,2'],
  ['single quotes', "{'abuse':1}"],
  ['a bare word', 'nul'],
  ['a trailing comma', '{"abuse":1,}'],
  ['a leading zero', '{"abuse":01}'],
  ['a bad escape', '{"abuse":"\\x41"}'],
  ['a raw control character in a string', '{"abuse":"a\u0001b"}'],
  ['two documents', '{"abuse":1}{"abuse":2}'],
  ['NaN', '{"abuse":NaN}'],
] as const;

export const PERCENT_MALFORMED = [
  ['a truncated escape (%E0%A4%A)', '%E0%A4%A'],
  ['an encoded surrogate (%ED%A0%80)', '%ED%A0%80'],
  ['a lone %', '%'],
  ['a non-hex escape (%zz)', '%zz'],
  ['a trailing %', 'abc%'],
  ['an over-long encoding (%C0%AF)', '%C0%AF'],
  ['a byte that is never UTF-8 (%FF)', '%FF'],
  ['a code point above U+10FFFF', '%F4%90%80%80'],
  ['a lone continuation byte (%80)', '%80'],
] as const;

/** Ids that are well-formed text but odd; each gets 400 if its schema refuses it, else "not found". */
const ODD_IDS = [
  ['letters', 'abc'],
  ['an underscore', 'a_b'],
  ['a negative number', '-1'],
  ['a decimal', '1.5'],
  ['21 digits', '9'.repeat(21)],
  ['an encoded slash', 'a%2Fb'],
  ['an encoded space', 'a%20b'],
  ['an encoded NUL', 'a%00b'],
  ['an encoded line feed', 'a%0Ab'],
  ['an ANSI escape', '%1B%5B31m'],
  ['DEL', 'a%7Fb'],
  ['a bidi override', 'a%E2%80%AEb'],
  ['an emoji', '%F0%9F%92%A9'],
  ['SQL', "'%20OR%201%3D1--"],
  ['markup', '%3Cscript%3E'],
  ['__proto__', '__proto__'],
  ['constructor', 'constructor'],
  ['a JSON object', '%7B%22a%22%3A1%7D'],
] as const;

const WRONG_MEDIA = [
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=abuse',
  'application/x-www-form-urlencoded',
  'text/json',
  'application/json-patch+json',
  'text/csv',
  'application/json',
] as const;

export function generateCases(inputs: Inputs): Generated {
  const { doc } = inputs;
  const cases: AbuseCase[] = [];
  const problems: string[] = [];
  let ops: Op[];
  try {
    ops = operations(doc);
  } catch (error) {
    return { cases, problems: [`the document: ${(error as Error).message}`] };
  }
  for (const op of ops) {
    try {
      cases.push(...casesOf(inputs, op));
    } catch (error) {
      if (!(error instanceof Unhandled)) throw error;
      problems.push(`${op.method} ${op.template} (${op.id}): ${error.message}`);
    }
  }
  // Paths and methods the document does not route.
  for (const [template, byMethod] of Object.entries(doc.paths)) {
    const first = ops.find((o) => o.template === template);
    if (!first) continue;
    let target: string;
    try {
      target = pathOf(first, realPathValues(first, inputs.own));
    } catch (error) {
      problems.push(`${template}: ${(error as Error).message}`);
      continue;
    }
    const defined = new Set(Object.keys(byMethod).map((m) => m.toUpperCase()));
    // A method is unrouted on this path when no template of that method matches it either
    // (GET /v1/accounts/{id}/users/import is GET .../users/{userId}).
    const routed = (method: string) => ops.some((o) => o.method === method && matches(o.template, target));
    for (const method of METHODS.filter((m) => !defined.has(m) && !routed(m))) {
      cases.push({
        cls: 'method',
        op: first.id,
        name: `${method} is not routed on ${template}`,
        method,
        target,
        auth: ORG_ADMIN,
        ...(method === 'GET' || method === 'DELETE' ? {} : { body: '{}', contentType: 'application/json' }),
        expect: { status: [404, 405], shape: 'gateway' },
      });
    }
    cases.push({
      cls: 'method',
      op: first.id,
      name: `a trailing slash on ${template}`,
      method: first.method,
      target: `${target}/`,
      auth: ORG_ADMIN,
      expect: { status: [404], shape: 'gateway' },
    });
  }
  return { cases, problems };
}

function casesOf(inputs: Inputs, op: Op): AbuseCase[] {
  const { doc, own } = inputs;
  const out: AbuseCase[] = [];
  const base = validRequest(doc, op, own);
  const baseBody = base.body === undefined ? {} : { body: base.body, contentType: base.contentType ?? null };
  const auth = op.jwt ? ORG_ADMIN : NO_AUTH;
  const add = (c: Omit<AbuseCase, 'op' | 'method' | 'auth'> & { method?: string; auth?: Auth }) =>
    out.push({ op: op.id, method: op.method, auth, ...c });
  /** Errors of a page operation may be pages themselves. */
  const shape = (s: Shape): Shape => (op.page && s === 'error' ? 'error-or-page' : s);
  const invalid = (codes: readonly string[] = ['request.invalid']): Expectation => ({
    status: [400],
    codes,
    shape: shape('error'),
  });
  /** What a well-formed id of nothing (or of another organisation) gets. */
  const notFound = (): Expectation => {
    if (op.operation.responses['404']) return { status: [404], shape: shape('error') };
    if (op.operation.responses['401']) return { status: [401], shape: shape('error') };
    throw new Unhandled('a path parameter, but neither 404 nor 401 documented');
  };
  /**
   * A request the schema may accept (control characters in free text): sent by a caller who may not do
   * the thing, so that it is refused (400 by the schema, or 403) and writes nothing either way.
   */
  const maybeValid = (): { auth: Auth; expect: Expectation } => {
    if (op.method === 'GET') return { auth, expect: { status: [op.success, 400], shape: 'any' } };
    if (!op.jwt)
      throw new Unhandled('a public operation that changes something: no caller to refuse a valid request');
    return { auth: VIEWER, expect: { status: [400, 403], shape: shape('error') } };
  };
  const realPath = realPathValues(op, own);

  // --- Path parameters: malformed encodings, over-long, odd and foreign ids.
  for (const param of op.pathParams) {
    const target = (raw: string) =>
      `${pathOf(op, { ...realPath, [param.name]: raw })}${base.target.includes('?') ? base.target.slice(base.target.indexOf('?')) : ''}`;
    for (const [name, raw] of PERCENT_MALFORMED) {
      add({
        cls: 'path-malformed',
        name: `{${param.name}} ${name}`,
        target: target(raw),
        ...baseBody,
        expect: invalid(),
      });
    }
    const max = typeof param.schema.maxLength === 'number' ? param.schema.maxLength : undefined;
    for (const length of [...(max !== undefined ? [max + 1] : []), 8_000]) {
      const value = 'a'.repeat(length);
      add({
        cls: 'path-malformed',
        name: `{${param.name}} of ${length} characters`,
        target: target(value),
        ...baseBody,
        expect: stringOk(doc, param.schema, value) ? notFound() : invalid(),
      });
    }
    for (const [name, raw] of ODD_IDS) {
      const decoded = decodeURIComponent(raw);
      const fits = stringOk(doc, param.schema, decoded);
      // An id with a control character in it may be refused as malformed, or simply not be found.
      const control = /\p{Cc}/u.test(decoded);
      const expectation = !fits
        ? invalid()
        : control
          ? { ...notFound(), status: [400, ...notFound().status] }
          : notFound();
      add({
        cls: fits ? 'path-foreign' : 'path-malformed',
        name: `{${param.name}} ${name}`,
        target: target(raw),
        ...baseBody,
        expect: expectation,
      });
    }
    add({
      cls: 'path-foreign',
      name: `{${param.name}} that names nothing`,
      target: target(encodeURIComponent(nonexistent(doc, param))),
      ...baseBody,
      expect: notFound(),
    });
    const foreign = inputs.foreign[param.name];
    if (foreign !== undefined) {
      add({
        cls: 'path-foreign',
        name: `{${param.name}} of another organisation`,
        target: target(encodeURIComponent(foreign)),
        ...baseBody,
        expect: notFound(),
      });
    }
  }

  // --- Query parameters.
  const queryTarget = (pairs: string) =>
    `${pathOf(op, realPath)}${base.target.includes('?') ? `${base.target.slice(base.target.indexOf('?'))}&${pairs}` : `?${pairs}`}`;
  for (const param of op.queryParams) {
    const s = resolve(doc, param.schema);
    const types = typesOf(doc, s);
    const valid = String(validValue(doc, s, param.name, {}));
    const values: [string, string, string][] = []; // name, raw (encoded), decoded
    if (Array.isArray(s.enum)) {
      values.push(['a value not in the enum', 'NOT-IN-ENUM', 'NOT-IN-ENUM']);
      const first = String((s.enum as Json[])[0]);
      const other = first.toUpperCase() === first ? first.toLowerCase() : first.toUpperCase();
      values.push(['the enum in another case', encodeURIComponent(other), other]);
    }
    if (types?.has('integer') || types?.has('number')) {
      for (const v of [
        'abc',
        '-1',
        '0',
        '1.5',
        '1e309',
        '9'.repeat(30),
        '',
        ' ',
        '0x10',
        '1_000',
        'Infinity',
        'NaN',
      ]) {
        values.push([`the number "${v}"`, encodeURIComponent(v), v]);
      }
      if (typeof s.maximum === 'number')
        values.push(['one over the maximum', String(s.maximum + 1), String(s.maximum + 1)]);
    }
    if (typeof s.maxLength === 'number') {
      const v = 'a'.repeat(s.maxLength + 1);
      values.push([`${s.maxLength + 1} characters`, v, v]);
    }
    values.push(['empty', '', '']);
    values.push([
      'the parameter twice',
      `${encodeURIComponent(valid)}&${encodeURIComponent(param.name)}=${encodeURIComponent(valid)}`,
      `${valid},${valid}`,
    ]);
    for (const [name, raw] of PERCENT_MALFORMED.slice(0, 3))
      values.push([name, raw, new URLSearchParams(`x=${raw}`).get('x') ?? '']);
    for (const [name, raw] of [
      ['an encoded NUL', 'a%00b'],
      ['an encoded CRLF', 'a%0D%0Ab'],
      ['an ANSI escape', '%1B%5B31m'],
    ] as const) {
      values.push([name, raw, decodeURIComponent(raw)]);
    }
    const seen = new Set<string>();
    for (const [name, raw, decoded] of values) {
      if (seen.has(raw)) continue;
      seen.add(raw);
      const ok = queryValueOk(doc, s, decoded);
      if (ok === 'unsure') continue;
      const pairs = `${encodeURIComponent(param.name)}=${raw}`;
      if (!ok) {
        add({
          cls: param.name === 'cursor' ? 'cursor' : 'query',
          name: `?${param.name} ${name}`,
          target: queryTarget(pairs),
          ...baseBody,
          expect: invalid(),
        });
      } else if (ok && decoded !== valid) {
        const m = maybeValid();
        add({
          cls: 'query',
          name: `?${param.name} ${name} (accepted or refused)`,
          target: queryTarget(pairs),
          ...baseBody,
          ...m,
        });
      }
    }
    if (param.name === 'cursor') {
      const real = inputs.cursors[op.id];
      if (!real) throw new Unhandled('a cursor parameter, but no real cursor of this list');
      const others = Object.entries(inputs.cursors).filter(([id]) => id !== op.id);
      const b64 = (text: string) => Buffer.from(text).toString('base64url');
      const tampered = (() => {
        const i = Math.floor(real.own.length / 2);
        const c = real.own[i] === 'A' ? 'B' : 'A';
        return `${real.own.slice(0, i)}${c}${real.own.slice(i + 1)}`;
      })();
      const bad: [string, string][] = [
        ['garbage', 'garbage'],
        ['punctuation', '!!!!'],
        ['base64 of a number', b64('{"after":123}')],
        ['base64 of null', b64('null')],
        ['base64 of an array', b64('[]')],
        ['a well-formed but forged position', b64('{"after":"zzzz"}')],
        ['a forged position with NUL', b64('{"after":"\u0000"}')],
        ['a forged position of another organisation', b64(`{"after":"${inputs.foreign.accountId ?? 'x'}"}`)],
        ['a real cursor with one character changed', tampered],
        ['a real cursor of another organisation', real.otherOrg],
        ...others
          .slice(0, 2)
          .map(([id, c]) => [`a real cursor of another list (${id})`, c.own] as [string, string]),
      ];
      for (const [name, value] of bad) {
        add({
          cls: 'cursor',
          name: `?cursor ${name}`,
          target: queryTarget(`cursor=${encodeURIComponent(value)}`),
          expect: stringOk(doc, s, value)
            ? { status: [400], codes: ['cursor.invalid'], shape: 'error' }
            : invalid(),
        });
      }
      add({
        cls: 'cursor',
        name: '?cursor the real next cursor (control: accepted)',
        target: queryTarget(`cursor=${encodeURIComponent(real.own)}`),
        expect: { status: [op.success], shape: 'any' },
      });
    }
  }
  for (const param of op.queryParams.filter((p) => p.required)) {
    add({
      cls: 'query',
      name: `?${param.name} missing`,
      target: pathOf(op, realPath),
      ...baseBody,
      expect: invalid(),
    });
  }

  // --- Bodies.
  if (op.media === 'application/json' && op.bodySchema && base.json !== undefined) {
    jsonBodyCases(inputs, op, base.target, base.json, add, invalid, maybeValid);
  } else if (op.media === 'text/csv') {
    out.push(...textBodyCases(doc, op, base.target));
  }
  if (op.media && base.body !== undefined) {
    // Wrong content types: the valid body under another label.
    for (const media of [
      ...WRONG_MEDIA.filter((m) => !Object.keys(op.operation.requestBody?.content ?? {}).includes(m)),
      null,
    ]) {
      add({
        cls: 'content-type',
        name: media === null ? 'no Content-Type' : `Content-Type ${media}`,
        target: base.target,
        body: media === null ? new Uint8Array(Buffer.from(base.body as string)) : base.body,
        contentType: media,
        expect: { status: [415], codes: ['request.unsupported_media_type'], shape: 'error' },
      });
    }
    add({
      cls: 'missing-field',
      name: 'no body at all',
      target: base.target,
      body: '',
      contentType: op.media,
      expect: invalid(['request.body_missing', 'request.invalid']),
    });
    add({
      cls: 'oversize',
      name: 'a body over 10 MB',
      target: base.target,
      body: () => new Uint8Array(GATEWAY_BODY_LIMIT + 1024).fill(0x20),
      contentType: op.media,
      expect: { status: [413], shape: 'gateway' },
    });
  }

  // --- Oversized requests: a 20 KB header, a 20 KB URL.
  add({
    cls: 'oversize',
    name: 'a 20 KB header',
    target: base.target,
    ...baseBody,
    headers: { 'x-abuse-padding': 'a'.repeat(20 * 1024) },
    expect: { status: [413, 431], shape: 'gateway' },
  });
  add({
    cls: 'oversize',
    name: 'a 20 KB URL',
    target: `${base.target}${base.target.includes('?') ? '&' : '?'}padding=${'a'.repeat(20 * 1024)}`,
    ...baseBody,
    expect: { status: [413, 414, 431], shape: 'gateway' },
  });

  // --- Bad JWTs and unusable claims.
  if (op.jwt) {
    for (const [name, credential] of Object.entries(inputs.badAuthorizations)) {
      add({
        cls: 'bad-jwt',
        name,
        target: credential.query
          ? `${base.target}${base.target.includes('?') ? '&' : '?'}${credential.query}`
          : base.target,
        ...baseBody,
        auth: { authorization: credential.header },
        expect: { status: [401], shape: 'gateway' },
      });
    }
    for (const [name, token] of Object.entries(inputs.badClaims)) {
      add({
        cls: 'bad-claims',
        name,
        target: base.target,
        ...baseBody,
        auth: { authorization: `Bearer ${token}` },
        expect: { status: [403], codes: ['auth.claims_invalid'], shape: 'error' },
      });
    }
  }

  // --- Idempotency-Key: reuse across callers, reuse for another request, keys that are not keys.
  if (op.idempotent) {
    if (!op.jwt) throw new Unhandled('a public operation with Idempotency-Key');
    const first = inputs.idempotency[op.id];
    if (!first) throw new Unhandled('accepts Idempotency-Key, but no first request was made');
    const request = validRequest(doc, op, first.fixtures);
    const req = {
      target: request.target,
      ...(request.body !== undefined ? { body: request.body, contentType: request.contentType ?? null } : {}),
    };
    const headers = { 'idempotency-key': first.key };
    const notTheFirstJob = (answer: { text: string }) =>
      answer.text.includes(first.jobId) ? `answered with the first caller's job ${first.jobId}` : undefined;
    add({
      cls: 'idempotency',
      name: 'the same caller, key and request again (control: the same job)',
      ...req,
      headers,
      mayWrite: true,
      expect: { status: [op.success], shape: 'any' },
      check: (a) =>
        a.text.includes(first.jobId) ? undefined : `did not answer with the first job ${first.jobId}`,
    });
    for (const [caller, status] of [
      ['viewer', [403]],
      ['unlistedAdmin', [403, 404]],
      ['otherOrgAdmin', [403, 404]],
      ['otherOrgViewer', [403, 404]],
    ] as const) {
      add({
        cls: 'idempotency',
        name: `the key reused by ${caller}`,
        ...req,
        headers,
        auth: { caller },
        expect: { status, shape: 'error' },
        check: notTheFirstJob,
      });
    }
    add({
      cls: 'idempotency',
      name: 'the key reused by listedAdmin (its own request, its own job or refusal)',
      ...req,
      headers,
      auth: { caller: 'listedAdmin' },
      mayWrite: true,
      expect: { status: [op.success, 403, 404, 409, 422], shape: 'any' },
      check: notTheFirstJob,
    });
    const other = (() => {
      const plain = validRequest(doc, op, first.otherFixtures);
      if (plain.target !== request.target || plain.body !== request.body) return plain;
      // The same ids: another value of an enum query parameter makes it another request.
      for (const p of op.queryParams) {
        const values = resolve(doc, p.schema).enum as Json[] | undefined;
        const def = resolve(doc, p.schema).default;
        const pick = values?.find((v) => v !== def && v !== values[0]) ?? values?.find((v) => v !== def);
        if (pick !== undefined)
          return validRequest(doc, op, first.otherFixtures, `${p.name}=${encodeURIComponent(String(pick))}`);
      }
      return undefined;
    })();
    if (other) {
      add({
        cls: 'idempotency',
        name: 'the key reused by the same caller for another request',
        target: other.target,
        ...(other.body !== undefined ? { body: other.body, contentType: other.contentType ?? null } : {}),
        headers,
        mayWrite: true,
        expect: { status: [422], codes: ['idempotency.key_reused'], shape: 'error' },
        check: notTheFirstJob,
      });
    }
    for (const [name, key] of [
      ['256 characters', 'k'.repeat(256)],
      ['a space', 'abuse key'],
      ['a non-ASCII character', 'cl\u00e9'],
      ['empty', ''],
    ] as const) {
      const fresh = validRequest(doc, op, own);
      add({
        cls: 'idempotency',
        name: `an Idempotency-Key of ${name}`,
        target: fresh.target,
        ...(fresh.body !== undefined ? { body: fresh.body, contentType: fresh.contentType ?? null } : {}),
        headers: { 'idempotency-key': key },
        expect: { status: [400], codes: ['request.idempotency_key_invalid'], shape: 'error' },
      });
    }
  }
  return out;
}

type Add = (c: Omit<AbuseCase, 'op' | 'method' | 'auth'> & { method?: string; auth?: Auth }) => void;

function jsonBodyCases(
  inputs: Inputs,
  op: Op,
  target: string,
  base: Json,
  add: Add,
  invalid: (codes?: readonly string[]) => Expectation,
  maybeValid: () => { auth: Auth; expect: Expectation },
): void {
  const { doc } = inputs;
  const root = resolve(doc, op.bodySchema as Schema);
  const rootTypes = typesOf(doc, root);
  const json = (value: Json | (() => Json)) => ({
    body: () => JSON.stringify(typeof value === 'function' ? value() : value),
    contentType: 'application/json' as const,
  });
  const withRaw = (value: Json, raw: string) => ({
    body: () => JSON.stringify(value).replace(`"${RAW}"`, () => raw),
    contentType: 'application/json' as const,
  });
  const fields = fieldsOf(doc, root, base);
  const echoGuard = (field: Field, value: string) =>
    SECRET_FIELD.test(field.name) && value.length >= 12 ? { forbidden: [value.slice(0, 24)] } : {};

  // Malformed JSON text.
  for (const [name, text] of MALFORMED_JSON) {
    add({
      cls: 'malformed-json',
      name,
      target,
      body: text,
      contentType: 'application/json',
      expect: invalid(['request.malformed_json']),
    });
  }
  const half = JSON.stringify(base);
  add({
    cls: 'malformed-json',
    name: 'the valid body cut in half',
    target,
    body: half.slice(0, Math.ceil(half.length / 2)),
    contentType: 'application/json',
    expect: invalid(['request.malformed_json']),
  });
  add({
    cls: 'malformed-json',
    name: 'the valid body and garbage',
    target,
    body: `${half}}`,
    contentType: 'application/json',
    expect: invalid(['request.malformed_json']),
  });

  // The wrong type at the top.
  for (const value of [null, 42, 'abuse', true, ...(rootTypes?.has('array') ? [{}] : [[]])] as Json[]) {
    if (rootTypes?.has(typeOfValue(value))) continue;
    add({
      cls: 'wrong-type',
      name: `the body is ${JSON.stringify(value)}`,
      target,
      ...json(value),
      expect: invalid(),
    });
  }
  add({
    cls: 'huge-number',
    name: 'the body is 1e309',
    target,
    body: '1e309',
    contentType: 'application/json',
    expect: invalid(),
  });
  if (rootTypes?.has('object') && ((root.required ?? []) as string[]).length > 0) {
    add({ cls: 'missing-field', name: 'an empty object', target, ...json({}), expect: invalid() });
  }
  if (rootTypes?.has('array') && typeof root.minItems === 'number' && root.minItems > 0) {
    add({ cls: 'missing-field', name: 'an empty array', target, ...json([]), expect: invalid() });
  }

  // Unknown fields in every object.
  const objects: { path: Path; schema: Schema }[] = [];
  if (rootTypes?.has('object')) objects.push({ path: [], schema: root });
  for (const f of fields) {
    const value = getAt(base, f.path);
    if (value && typeof value === 'object' && !Array.isArray(value))
      objects.push({ path: f.path, schema: f.schema });
  }
  if (rootTypes?.has('array') && Array.isArray(base) && base[0] && typeof base[0] === 'object') {
    objects.push({ path: [0], schema: resolve(doc, root.items as Schema) });
  }
  for (const o of objects) {
    const strict = o.schema.additionalProperties === false;
    const target_ = getAt(base, o.path) as Record<string, Json>;
    const variants: [string, () => Record<string, Json>][] = [
      ['an unknown field', () => ({ ...target_, unexpectedField: 'abuse' })],
      [
        'a __proto__ field',
        () => {
          const copy = { ...target_ };
          Object.defineProperty(copy, '__proto__', {
            value: { polluted: true },
            enumerable: true,
            writable: true,
            configurable: true,
          });
          return copy;
        },
      ],
      ['a constructor field', () => ({ ...target_, constructor: { prototype: { polluted: true } } })],
    ];
    if (o.path.length === 0) {
      variants.push([
        '100,000 unknown fields',
        () => {
          const many: Record<string, Json> = { ...target_ };
          for (let i = 0; i < 100_000; i++) many[`unexpected${i}`] = i;
          return many;
        },
      ]);
    }
    for (const [name, value] of variants) {
      const m = strict ? { expect: invalid() } : maybeValid();
      add({
        cls: 'unknown-field',
        name: `${describePath(o.path)}: ${name}`,
        target,
        ...json(() => setAt(base, o.path, value())),
        ...m,
      });
    }
  }

  for (const f of fields) {
    const where = describePath(f.path);
    const types = typesOf(doc, f.schema);
    // Wrong types.
    for (const value of wrongValues(doc, f.schema, 2)) {
      add({
        cls: 'wrong-type',
        name: `${where} is ${JSON.stringify(value)}`,
        target,
        ...json(setAt(base, f.path, value)),
        expect: invalid(),
      });
    }
    // Missing required fields.
    if (f.required) {
      add({
        cls: 'missing-field',
        name: `${where} missing`,
        target,
        ...json(setAt(base, f.path, DELETE)),
        expect: invalid(),
      });
    }
    if (types?.has('string')) {
      // 1 MB strings.
      const huge = `${SECRET_FIELD.test(f.name) ? 'ECHOCHECK' : ''}${'A1b2'.repeat(MB / 4)}`;
      const limited = typeof f.schema.maxLength === 'number' && f.schema.maxLength < huge.length;
      add({
        cls: 'huge-string',
        name: `${where} of 1 MB`,
        target,
        ...json(setAt(base, f.path, huge)),
        ...(limited || !stringOk(doc, f.schema, huge) ? { expect: invalid() } : maybeValid()),
        ...echoGuard(f, huge),
      });
      // Deep nesting where a string goes.
      add({
        cls: 'wrong-type',
        name: `${where} is an array nested 5,000 deep`,
        target,
        ...withRaw(setAt(base, f.path, RAW), `${'['.repeat(5000)}${']'.repeat(5000)}`),
        expect: invalid(['request.invalid', 'request.malformed_json']),
      });
      // Control characters.
      for (const [name, raw] of CONTROL_VALUES) {
        const value = SECRET_FIELD.test(f.name) ? `ECHOCHECK-${raw}` : raw;
        const refused = !stringOk(doc, f.schema, value);
        add({
          cls: 'control-chars',
          name: `${where} with ${name}`,
          target,
          ...json(setAt(base, f.path, value)),
          ...(refused ? { expect: invalid() } : maybeValid()),
          ...echoGuard(f, value),
        });
        // What the schema lets through must also be stored (or refused) without a 5xx.
        if (!refused && op.jwt && (name === 'NUL' || name === 'lone surrogate')) {
          add({
            cls: 'control-chars',
            name: `${where} with ${name}, by an org-admin (stored or refused, never a 5xx)`,
            target,
            ...json(setAt(base, f.path, value)),
            mayWrite: true,
            expect: { status: [op.success, 400, 404, 409, 422], shape: 'any' },
            ...echoGuard(f, value),
          });
        }
      }
      // A real value as people paste it: wrapped at 76 columns, CRLF, a trailing newline, a BOM.
      const real = getAt(base, f.path);
      if (typeof real === 'string' && real.length > 76 && op.jwt) {
        const lines = real.match(/.{1,76}/g) ?? [];
        for (const [name, pasted] of [
          ['wrapped at 76 columns', lines.join('\n')],
          ['wrapped with CRLF', lines.join('\r\n')],
          ['with a trailing newline', `${real}\n`],
          ['with a BOM and spaces', `\uFEFF ${real} `],
        ] as const) {
          add({
            cls: 'control-chars',
            name: `${where}: the real value ${name} (accepted or refused at once, never a 5xx)`,
            target,
            ...json(setAt(base, f.path, pasted)),
            mayWrite: true,
            expect: { status: [op.success, 400, 409, 422], shape: 'any' },
            maxMs: 5_000,
          });
        }
      }
    }
    if (types?.has('integer') || types?.has('number')) {
      const candidates: [string, string, number][] = [
        ['1e309', '1e309', Number.POSITIVE_INFINITY],
        ['-1e309', '-1e309', Number.NEGATIVE_INFINITY],
        ['30 digits', '9'.repeat(30), 1e30],
        ['1e300', '1e300', 1e300],
        ['-1e300', '-1e300', -1e300],
        ['2^53 + 1', '9007199254740993', Number('9007199254740993')],
        ['1.5', '1.5', 1.5],
        ['-1', '-1', -1],
        ['1e-320', '1e-320', 1e-320],
      ];
      for (const [name, raw, n] of candidates) {
        const tooSmall = typeof f.schema.minimum === 'number' && n < f.schema.minimum;
        const tooBig = typeof f.schema.maximum === 'number' && n > f.schema.maximum;
        const notInt = !types.has('number') && !Number.isSafeInteger(n);
        if (!tooSmall && !tooBig && !notInt && Number.isFinite(n)) continue;
        add({
          cls: 'huge-number',
          name: `${where} is ${name}`,
          target,
          ...withRaw(setAt(base, f.path, RAW), raw),
          expect: invalid(),
        });
      }
    } else if (types && !types.has('array') && !types.has('object')) {
      add({
        cls: 'huge-number',
        name: `${where} is 1e309`,
        target,
        ...withRaw(setAt(base, f.path, RAW), '1e309'),
        expect: invalid(),
      });
    }
    if (types?.has('array')) {
      const items = resolve(doc, (f.schema.items ?? {}) as Schema);
      const item = validValue(doc, items, singular(f.name), inputs.own.body);
      hugeArrays(f.path, f.schema, items, item);
    }
  }
  if (rootTypes?.has('array') && Array.isArray(base)) {
    const items = resolve(doc, root.items as Schema);
    hugeArrays([], root, items, base[0] ?? validValue(doc, items, '', inputs.own.body));
  }

  function hugeArrays(path: Path, schema: Schema, items: Schema, item: Json) {
    const where = describePath(path);
    const maxItems = typeof schema.maxItems === 'number' ? schema.maxItems : undefined;
    const itemBytes = JSON.stringify(item).length + 1;
    const count = Math.max((maxItems ?? 0) + 1, Math.min(100_000, Math.floor((9 * MB) / itemBytes)));
    add({
      cls: 'huge-array',
      name: `${where} with ${count.toLocaleString('en')} valid items`,
      target,
      ...json(() =>
        setAt(
          base,
          path,
          Array.from({ length: count }, () => item),
        ),
      ),
      ...(maxItems !== undefined && count > maxItems ? { expect: invalid() } : maybeValid()),
    });
    const wrong = wrongValues(doc, items, 1)[0];
    if (wrong !== undefined) {
      add({
        cls: 'huge-array',
        name: `${where} with 100,000 items of the wrong type`,
        target,
        ...json(() =>
          setAt(
            base,
            path,
            Array.from({ length: 100_000 }, () => wrong),
          ),
        ),
        expect: invalid(),
      });
    }
    add({
      cls: 'wrong-type',
      name: `${where} with one item of the wrong type`,
      target,
      ...json(setAt(base, path, [item, ...(wrong !== undefined ? [wrong] : [null])])),
      expect: invalid(),
    });
  }
}

/** What the text-body cases write into a CSV file: its header, a good row, a bad row, its limits. */
interface CsvFileShape {
  readonly header: string;
  readonly good: string;
  readonly bad: string;
  readonly maxBytes: number;
  readonly maxRows: number;
}

const USER_FILE: CsvFileShape = {
  header: 'email',
  good: 'abuse-csv-import@example.test',
  bad: 'not-an-address',
  maxBytes: MB,
  maxRows: 5_000,
};

/** A redemption-code spreadsheet as CSV: the order in a leading row, then the Code column. */
const CODE_FILE: CsvFileShape = {
  header: 'Order ID,ABUSE-ORDER\r\nCode',
  good: 'ABUSE0CODE01',
  bad: 'not a code!',
  maxBytes: 2 * MB,
  maxRows: 20_000,
};

/** An upload of a file the use case reads by its type (its schema: binary), not text the wrapper parses. */
function isFileUpload(doc: OpenApiDocument, op: Op): boolean {
  return op.bodySchema !== undefined && resolve(doc, op.bodySchema).format === 'binary';
}

/** A text body (CSV): too large, empty, malformed bytes, control characters, rows that are all bad. */
function textBodyCases(doc: OpenApiDocument, op: Op, target: string): AbuseCase[] {
  const file = isFileUpload(doc, op) ? CODE_FILE : USER_FILE;
  const out: AbuseCase[] = [];
  const media = op.media ?? '';
  const documented = (statuses: number[]) => statuses.filter((s) => op.operation.responses[String(s)]);
  const rule = documented([400, 422]);
  const add = (name: string, body: AbuseCase['body'], expect: Expectation) =>
    out.push({
      cls: 'text-body',
      op: op.id,
      method: op.method,
      auth: op.jwt ? ORG_ADMIN : NO_AUTH,
      name,
      target,
      body,
      contentType: media,
      expect,
    });
  const big = () =>
    `${file.header}\r\n${`${file.bad}\r\n`.repeat(Math.ceil((file.maxBytes + 1) / (file.bad.length + 2)))}`;
  add(`a file over ${file.maxBytes / MB} MB`, big, {
    status: documented([413]).length ? [413] : [400],
    shape: 'error',
  });
  add(
    `a file of ${(file.maxRows + 1).toLocaleString('en')} rows`,
    `${file.header}\r\n${'x\r\n'.repeat(file.maxRows + 1)}`,
    {
      status: documented([413]).length ? [413] : rule,
      shape: 'error',
    },
  );
  add(
    `a file of ${(file.maxRows - 1).toLocaleString('en')} bad rows (the answer stays bounded)`,
    `${file.header}\r\n${`${file.bad}\r\n`.repeat(file.maxRows - 1)}`,
    { status: rule, shape: 'error' },
  );
  add('only a header', `${file.header}\r\n`, { status: rule, shape: 'error' });
  add('no header the document names', 'abuse,value\r\n1,2\r\n', { status: rule, shape: 'error' });
  add('100,000 columns', () => `${Array.from({ length: 100_000 }, (_, i) => `c${i}`).join(',')}\r\n`, {
    status: rule,
    shape: 'error',
  });
  add(
    'bytes that are not UTF-8',
    new Uint8Array([0x65, 0x6d, 0x61, 0x69, 0x6c, 0x0d, 0x0a, 0xff, 0xfe, 0xc0, 0xaf, 0x0d, 0x0a]),
    { status: rule, shape: 'error' },
  );
  add('NUL and control characters', `${file.header}\r\na\u0000b@x.test\r\n\u001b[31m@x.test\r\n`, {
    status: rule,
    shape: 'error',
  });
  add('an unterminated quote', `${file.header}\r\n"${file.good}\r\n`, { status: rule, shape: 'error' });
  add('a JSON document', '{"email":"abuse@example.test"}', { status: rule, shape: 'error' });
  add('whitespace only', ' \r\n\t\r\n', { status: [...new Set([...rule, 400])], shape: 'error' });
  return out;
}
