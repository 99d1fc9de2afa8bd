/**
 * Who is signed in: the bearer token, its claims, and how to get a new one before it expires. Kept in
 * memory and in sessionStorage (this tab only, gone when the tab closes); signing out clears both.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ConsoleConfig } from '../../config/console.ts';
import { type Role, renewDelay, type Session } from './sign-in-rules.ts';

export type { Role, Session } from './sign-in-rules.ts';

const KEY = 'vpp-console.session';

let current: Session | undefined = load();
const listeners = new Set<() => void>();
let renewTimer: ReturnType<typeof setTimeout> | undefined;
let renewer: ((session: Session) => Promise<Session | undefined>) | undefined;
/** A renewal under way: no second one starts beside it (a rotated refresh token is good once). */
let renewing = false;

function load(): Session | undefined {
  try {
    const saved = sessionStorage.getItem(KEY);
    const session = saved ? (JSON.parse(saved) as Session) : undefined;
    return session && session.expiresAt > Date.now() ? session : undefined;
  } catch {
    return undefined;
  }
}

function schedule(): void {
  if (renewTimer) clearTimeout(renewTimer);
  renewTimer = undefined;
  const session = current;
  if (!session || renewing) return;
  const wait = renewDelay(session, Date.now());
  renewTimer = setTimeout(
    async () => {
      renewTimer = undefined;
      renewing = true;
      const renewed = renewer ? await renewer(session).catch(() => undefined) : undefined;
      renewing = false;
      // Signed out (or in again) meanwhile: that choice stands.
      if (current === session) setSession(renewed);
    },
    Math.min(wait, 2 ** 31 - 1),
  );
}

export function setSession(session: Session | undefined): void {
  current = session;
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
  schedule();
  for (const listener of listeners) listener();
}

export const getSession = (): Session | undefined => current;
export const bearer = (): string | undefined => current?.token;
/** Signing out forgets the token and everything else this tab kept (the jobs it followed). */
export const signOut = (): void => {
  setSession(undefined);
  sessionStorage.clear();
};

/** How a session is renewed (set once the console knows its configuration). */
export function useRenewal(renew: (session: Session) => Promise<Session | undefined>): void {
  if (renewer === renew) return;
  renewer = renew;
  schedule();
}

export function useSession(): Session | undefined {
  const [session, set] = useState(current);
  useEffect(() => {
    const listener = () => set(current);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, []);
  return session;
}

/** The claims of a JWT (no check: the API checks it; the console only reads who it is for). */
export function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? '';
  const text = atob(
    payload
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(payload.length / 4) * 4, '='),
  );
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(text, (c) => c.charCodeAt(0)))) as Record<
    string,
    unknown
  >;
}

/** Local mode: the gateway issues the same JWT as `npm run token`. */
export async function localSignIn(choice: { org: string; role: Role; email: string }): Promise<Session> {
  const response = await fetch('/_local/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(choice),
  });
  const body = (await response.json()) as { token?: string; expiresIn?: number; error?: { message: string } };
  if (!response.ok || !body.token)
    throw new Error(body.error?.message ?? `Sign-in failed (${response.status}).`);
  return {
    token: body.token,
    expiresAt: Date.now() + (body.expiresIn ?? 3600) * 1000,
    org: choice.org,
    role: choice.role,
    email: choice.email.toLowerCase(),
    renew: { kind: 'local', ...choice },
  };
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch('/console-config.json', { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`The console's configuration could not be read (${response.status}).`);
  return (await response.json()) as ConsoleConfig;
}
