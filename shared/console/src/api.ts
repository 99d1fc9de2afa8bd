/**
 * The console's client of the API, typed from the route contracts in shared/api (types only: no zod
 * in the bundle). A call names a route by method and path exactly as its contract does, so a contract
 * that changes its path, parameters, query, body or answer breaks the console's build, not its users.
 */
import type * as z from 'zod';
import type * as accounts from '../../api/accounts.ts';
import type * as assets from '../../api/assets.ts';
import type * as audit from '../../api/audit.ts';
import type * as deployments from '../../api/deployments.ts';
import type * as devices from '../../api/devices.ts';
import type * as invitations from '../../api/invitations.ts';
import type * as jobs from '../../api/jobs.ts';
import type * as licenses from '../../api/licenses.ts';
import type * as reports from '../../api/reports.ts';
import type * as users from '../../api/users.ts';

type Modules = typeof accounts &
  typeof assets &
  typeof audit &
  typeof deployments &
  typeof devices &
  typeof invitations &
  typeof jobs &
  typeof licenses &
  typeof reports &
  typeof users;

/** Every route of the API the console may call (the JWT ones). */
type AnyRoute = {
  [K in keyof Modules]: Modules[K] extends { id: string; method: string; path: string; auth: 'jwt' }
    ? Modules[K]
    : never;
}[keyof Modules];

type Method = AnyRoute['method'];
type PathOf<M extends Method> = Extract<AnyRoute, { method: M }>['path'];
type RouteAt<M extends Method, P extends string> = Extract<AnyRoute, { method: M; path: P }>;

/** What a route answers (its response schema's output). */
export type Answer<R> = R extends { response: { schema: infer S extends z.ZodType } } ? z.output<S> : unknown;
type Params<R> = R extends { params: infer S extends z.ZodType }
  ? { params: z.input<S> }
  : { params?: never };
type Query<R> = R extends { query: infer S extends z.ZodType }
  ? { query?: { [K in keyof z.input<S>]?: string | number | boolean | undefined } }
  : { query?: never };
type Body<R> = R extends { body: infer S extends z.ZodType } ? { body: z.input<S> } : { body?: never };
export type CallOptions<R> = Params<R> & Query<R> & Body<R> & { idempotencyKey?: string; csv?: boolean };

/** The answer of `method path`: `Of<'GET', '/v1/accounts'>`. */
export type Of<M extends Method, P extends PathOf<M>> = Answer<RouteAt<M, P>>;

/** An error answer of the API (`{error: {code, message}}`) or of the gateway (`{message}`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export interface ApiClient {
  call<M extends Method, P extends PathOf<M>>(
    method: M,
    path: P,
    ...options: Record<never, never> extends CallOptions<RouteAt<M, P>>
      ? [CallOptions<RouteAt<M, P>>?]
      : [CallOptions<RouteAt<M, P>>]
  ): Promise<Answer<RouteAt<M, P>>>;
  /** The same route's answer as text (a CSV report, a CSV import's body is given as text). */
  text(path: string, query?: Record<string, string>): Promise<string>;
}

export function pathWith(path: string, params: Record<string, unknown> = {}): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(params[name] ?? '')));
}

function queryString(query: Record<string, unknown> = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query))
    if (value !== undefined && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

async function errorOf(response: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const error = (body as { error?: { code?: string; message?: string; details?: Record<string, unknown> } })
    ?.error;
  if (error?.message)
    return new ApiError(response.status, error.code ?? 'error', error.message, error.details);
  const gateway = (body as { message?: string })?.message;
  return new ApiError(
    response.status,
    `http.${response.status}`,
    gateway ?? `The service answered ${response.status} ${response.statusText}.`,
  );
}

/** A client that sends the bearer `token()` gives; `onUnauthorized` hears of a 401 (the session ended). */
export function createApiClient(token: () => string | undefined, onUnauthorized: () => void): ApiClient {
  const send = async (method: string, url: string, init: { body?: string; type?: string; key?: string }) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    const bearer = token();
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    if (init.type) headers['content-type'] = init.type;
    if (init.key) headers['idempotency-key'] = init.key;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        ...(init.body !== undefined ? { body: init.body } : {}),
      });
    } catch {
      throw new ApiError(
        0,
        'network',
        'The service could not be reached. Check the connection and try again.',
      );
    }
    if (response.status === 401) onUnauthorized();
    if (!response.ok) throw await errorOf(response);
    return response;
  };
  const call = async (method: string, path: string, given?: unknown) => {
    const options = (given ?? {}) as {
      params?: Record<string, unknown>;
      query?: Record<string, unknown>;
      body?: unknown;
      idempotencyKey?: string;
      csv?: boolean;
    };
    const url = pathWith(path, options.params) + queryString(options.query);
    const response = await send(method, url, {
      ...(options.body !== undefined
        ? options.csv
          ? { body: String(options.body), type: 'text/csv' }
          : { body: JSON.stringify(options.body), type: 'application/json' }
        : {}),
      ...(options.idempotencyKey ? { key: options.idempotencyKey } : {}),
    });
    const text = await response.text();
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
  return {
    call: call as ApiClient['call'],
    async text(path, query) {
      const response = await send('GET', path + queryString(query), {});
      return response.text();
    },
  };
}
