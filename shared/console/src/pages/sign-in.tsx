/**
 * Sign-in: local mode picks organisation, role and e-mail; otherwise the organisation's OpenID
 * provider (the page leaves for it, and its callback page finishes the sign-in).
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import type { ConsoleConfig } from '../../../config/console.ts';
import { localSignIn, type Role, setSession } from '../session.ts';
import { CardForm, ErrorNote, Loading, SelectField, TextField } from '../ui.tsx';

type OidcAuth = Extract<ConsoleConfig['auth'], { kind: 'oidc' }>;

export function SignInPage({ config }: { config: ConsoleConfig }) {
  if (config.auth.kind === 'local') return <LocalSignIn />;
  return <ProviderSignIn auth={config.auth} />;
}

function ProviderSignIn({ auth }: { auth: OidcAuth }) {
  const location = useLocation();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  return (
    <SignInFrame>
      <p>
        You sign in at your organisation's sign-in page ({new URL(auth.issuer).host}), then come back here.
        The console keeps its token in this tab only.
      </p>
      <ErrorNote error={error} />
      <button
        type="button"
        class="primary"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setError(undefined);
          try {
            const { beginSignIn } = await import('../oidc.ts');
            await beginSignIn(auth, location.path === '/' ? '/accounts' : location.url);
          } catch (failure) {
            setError(failure);
            setBusy(false);
          }
        }}
      >
        {busy ? 'Going to the sign-in page…' : 'Sign in'}
      </button>
    </SignInFrame>
  );
}

/** The page the provider sends the browser back to: checks the answer, then goes where sign-in began. */
export function SignInCallbackPage({ auth }: { auth: OidcAuth }) {
  const location = useLocation();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let live = true;
    import('../oidc.ts')
      .then(({ completeSignIn }) => completeSignIn(auth, new URL(window.location.href)))
      .then(
        ({ session, returnTo }) => {
          if (!live) return;
          setSession(session);
          location.route(returnTo, true);
        },
        (failure: unknown) => {
          if (live) setError(failure);
        },
      );
    return () => {
      live = false;
    };
  }, []);
  return (
    <div class="narrow">
      <h1>{error ? 'Sign-in refused' : 'Signing in'}</h1>
      {error ? (
        <>
          <ErrorNote error={error} />
          <p>
            <a href="/">Back to the sign-in page</a>
          </p>
        </>
      ) : (
        <Loading what="your session" />
      )}
    </div>
  );
}

function LocalSignIn() {
  const [org, setOrg] = useState('demo');
  const [role, setRole] = useState<Role>('org-admin');
  const [email, setEmail] = useState('admin@demo.test');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  return (
    <SignInFrame>
      <p>
        Local mode: pick who you are. The console gets the same token as <code>npm run token</code>; it is
        kept in this tab only.
      </p>
      <CardForm
        onSubmit={async () => {
          setBusy(true);
          setError(undefined);
          try {
            setSession(await localSignIn({ org, role, email }));
          } catch (failure) {
            setError(failure);
          } finally {
            setBusy(false);
          }
        }}
      >
        <TextField label="Organisation" name="org" required value={org} onValue={setOrg} />
        <SelectField
          label="Role"
          name="role"
          value={role}
          onValue={setRole}
          options={[
            ['org-admin', 'org-admin: everything in the organisation'],
            ['admin', 'admin: the accounts that list this e-mail'],
            ['viewer', 'viewer: read only'],
          ]}
        />
        <TextField label="E-mail" name="email" type="email" required value={email} onValue={setEmail} />
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </CardForm>
    </SignInFrame>
  );
}

/** Both sign-in pages: the heading, then what the page says and asks. */
function SignInFrame({ children }: { children: ComponentChildren }) {
  return (
    <div class="narrow">
      <h1>Sign in to VPP Manager</h1>
      {children}
    </div>
  );
}
