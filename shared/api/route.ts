/**
 * An HTTP route contract: method, path, who may call it, and the zod schemas of its parameters, query,
 * body and answer. The same contract validates requests in the handler, generates the OpenAPI
 * document, creates the API Gateway route in CDK, and mounts the route in local mode. Which Lambda
 * function serves it is the function list's business (shared/config/functions.ts names its routes).
 */
import * as z from 'zod';
import type { Role } from '../domain/principal.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** How a route is authenticated: the JWT authorizer, nothing (public), or Apple's notification secret. */
export type RouteAuth = 'jwt' | 'none' | 'apple-secret';

/**
 * `raw`: the body as sent, whatever its type (a webhook that authenticates before it parses).
 * `file`: an uploaded file as bytes with its Content-Type (the use case says which types it reads).
 */
export type BodyType = 'json' | 'csv' | 'form' | 'raw' | 'file' | 'none';

export interface RouteContract {
  readonly id: string;
  readonly method: HttpMethod;
  /** API Gateway path syntax: `/v1/accounts/{accountId}`. */
  readonly path: string;
  readonly auth: RouteAuth;
  readonly summary: string;
  readonly tag: string;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly bodyType?: BodyType;
  /** The media types a `file` body may have (documented in OpenAPI; the use case checks them). */
  readonly fileTypes?: readonly string[];
  /** What a `file` body holds (its columns), for the OpenAPI document. */
  readonly fileDescription?: string;
  readonly body?: z.ZodType;
  readonly response: {
    readonly status: number;
    readonly schema?: z.ZodType;
    readonly contentType?: string;
    readonly description?: string;
  };
  /** Error statuses the route can answer besides 401/400/500 (documented in OpenAPI). */
  readonly errors?: readonly number[];
  /**
   * A POST that starts a job: it accepts `Idempotency-Key`. `access` is what the caller must be allowed
   * (the use case checks it too); the HTTP wrapper checks it before it returns a cached answer, so a
   * replayed key never answers past authorisation.
   */
  readonly startsJob?: { readonly access: JobAccess };
}

/** Who may start a route's job: a role, or a level of access to the account named by `{accountId}`. */
export type JobAccess = { readonly role: Role } | { readonly account: 'manage' | 'administer' };

export const defineRoute = <const C extends RouteContract>(contract: C): C => contract;

/** The method and path of a route key, as literal types (the console's client is typed by them). */
type RouteKeyParts<Key> = Key extends `${infer M extends HttpMethod} ${infer P}`
  ? { method: M; path: P }
  : never;

/** What a route of a `jwtRoutes` group names besides its id and route key. */
export type JwtRouteDetails = Omit<RouteContract, 'id' | 'method' | 'path' | 'auth' | 'tag'>;

/**
 * The routes of one OpenAPI tag behind the JWT authorizer: each is its id, its API Gateway route key
 * (`'PATCH /v1/accounts/{accountId}'`) and the rest of its contract; the group adds the tag, `auth` and
 * what all its routes share (`shared`, such as the parameters of the path they live under).
 * `const route = jwtRoutes('accounts'); export const getAccount = route('getAccount', 'GET /v1/…', {…})`.
 */
export const jwtRoutes =
  <const S extends Partial<JwtRouteDetails> = Record<never, never>>(tag: string, shared?: S) =>
  <
    const Id extends string,
    const Key extends `${HttpMethod} /${string}`,
    const D extends Partial<JwtRouteDetails>,
  >(
    id: Id,
    key: Key,
    details: D & Omit<JwtRouteDetails, keyof S>,
  ): { id: Id; auth: 'jwt'; tag: string } & RouteKeyParts<Key> & Omit<S, keyof D> & D => {
    const [method, path] = key.split(' ') as [HttpMethod, string];
    return { id, method, path, auth: 'jwt', tag, ...(shared as S), ...details } as never;
  };

/** `T` with no `readonly` anywhere: a use case may mark its types read-only, a schema's output never is. */
type Writable<T> = T extends object ? { -readonly [K in keyof T]: Writable<T[K]> } : T;

/** True when A and B are one type: neither has a field, an optional mark or a member type the other lacks. */
type Same<A, B> =
  (<G>() => G extends Writable<A> ? 1 : 2) extends <G>() => G extends Writable<B> ? 1 : 2 ? true : false;

/**
 * The schema of a use case's own type `T` (a result, or the input it takes): it compiles only when what
 * the schema parses to is exactly `T`, so the contract and the use case cannot drift apart.
 * `schemaOf<AccountView>()(z.object({ ... }))`.
 */
export const schemaOf =
  <T>() =>
  <S extends z.ZodType>(
    schema: S & (Same<z.output<S>, T> extends true ? unknown : { readonly parsesTo: T }),
  ): S =>
    schema;

/** A `pick` mask of the fields a view lists (shared/application `*_VIEW_FIELDS`). */
export const maskOf = <const K extends string>(fields: readonly K[]) =>
  Object.fromEntries(fields.map((field) => [field, true])) as { [F in K]: true };

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'Stable, dotted or snake_case code to branch on.' }),
      message: z.string().meta({ description: 'What went wrong, for a person.' }),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'Error' });

export const GatewayErrorSchema = z.object({ message: z.string() }).meta({
  id: 'GatewayError',
  description: "API Gateway's own error shape (authorizer, throttling, body size).",
});

/** `limit` and opaque `cursor` of every list. */
/** A text filter of a list: trimmed, not empty, at most `max` characters. */
export const queryText = (max: number) => z.string().trim().min(1).max(max);

export const PageQueryShape = {
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().min(1).max(2048).optional(),
};

export const pageOf = <T extends z.ZodType>(item: T, id: string) =>
  z.object({ items: z.array(item), nextCursor: z.string().optional() }).meta({ id });
