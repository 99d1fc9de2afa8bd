/**
 * Local mode's side of the admin console: its static files at `/` (the page is the fallback of every
 * path outside the API's prefixes), its configuration (`/console-config.json`: local sign-in, or an
 * external OpenID provider when local mode is given one), and the local sign-in itself
 * (`POST /_local/session`: the JWT `npm run token` prints, local mode only, and not offered when the
 * console signs in at an OpenID provider).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import * as z from 'zod';
import {
  CONSOLE_SECURITY_HEADERS,
  type ConsoleConfig,
  consoleContentSecurityPolicy,
  isConsolePath,
} from '../../shared/config/console.ts';
import { ensureConsoleBuilt } from '../../shared/console/build.ts';
import { RoleSchema } from '../../shared/domain/principal.ts';
import type { TokenClaims } from './jwt-keys.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

const LOCAL_CONFIG: ConsoleConfig = { auth: { kind: 'local' } };

/** What the local sign-in page sends. */
const SessionRequest = z
  .object({
    org: z.string().trim().min(1).max(64),
    role: RoleSchema,
    email: z.email().max(254),
  })
  .strict();

export interface ConsoleServerOptions {
  /** Issues the JWT local mode's gateway accepts. */
  readonly issueToken: (claims: TokenClaims) => Promise<string>;
  /** Origins of app icons besides https ones: the Apple simulator's. */
  readonly imagesFrom?: readonly string[];
  /** How people sign in @default the local sign-in page */
  readonly config?: ConsoleConfig;
  /** Origins the console calls besides its own: the OpenID provider's. */
  readonly connectTo?: readonly string[];
  /** The built console (built when missing or stale) @default ensureConsoleBuilt() */
  readonly files?: () => Promise<string>;
}

const LOCAL_TOKEN_LIFETIME_SECONDS = 12 * 3600;

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((done) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= 16_384) chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        done(size > 16_384 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        done(undefined);
      }
    });
    req.on('error', () => done(undefined));
  });
}

const safeDecode = (path: string): string => {
  try {
    return decodeURIComponent(path);
  } catch {
    return '/';
  }
};

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
};

/** The gateway's `extra` handler for the console: true when it answered. */
export function consoleServer(options: ConsoleServerOptions) {
  const files = options.files ?? (() => ensureConsoleBuilt());
  const config = options.config ?? LOCAL_CONFIG;
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const method = (req.method ?? 'GET').toUpperCase();
    if (url.pathname === '/_local/session') {
      if (method !== 'POST' || config.auth.kind !== 'local') return false;
      const parsed = SessionRequest.safeParse(await readJson(req));
      if (!parsed.success) {
        json(res, 400, {
          error: {
            code: 'request.invalid',
            message: 'Give org, role (org-admin, admin or viewer) and email.',
          },
        });
        return true;
      }
      const token = await options.issueToken({
        ...parsed.data,
        email: parsed.data.email.toLowerCase(),
        expiresIn: `${LOCAL_TOKEN_LIFETIME_SECONDS}s`,
      });
      json(res, 201, { token, expiresIn: LOCAL_TOKEN_LIFETIME_SECONDS });
      return true;
    }
    if (!isConsolePath(url.pathname)) return false;
    if (method !== 'GET' && method !== 'HEAD') {
      json(res, 405, { message: 'Method Not Allowed' });
      return true;
    }
    const headers = {
      ...CONSOLE_SECURITY_HEADERS,
      'content-security-policy': consoleContentSecurityPolicy({
        imagesFrom: options.imagesFrom ?? [],
        connectTo: options.connectTo ?? [],
      }),
    };
    if (url.pathname === '/console-config.json') {
      res.writeHead(200, { ...headers, 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(method === 'HEAD' ? undefined : JSON.stringify(config));
      return true;
    }
    const root = resolve(await files());
    const wanted = resolve(join(root, safeDecode(url.pathname)));
    const isFile = wanted.startsWith(`${root}${sep}`) && existsSync(wanted) && statSync(wanted).isFile();
    // A hashed file of the build, or else the page (the console's router draws the path).
    const file = isFile ? wanted : join(root, 'index.html');
    const hashed = isFile && wanted.startsWith(join(root, 'assets') + sep);
    res.writeHead(200, {
      ...headers,
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    res.end(method === 'HEAD' ? undefined : readFileSync(file));
    return true;
  };
}
