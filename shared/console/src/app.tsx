/** The console's frame: its configuration, the sign-in gate, the navigation and the pages. */

import { useEffect, useMemo, useRef } from 'preact/hooks';
import { LocationProvider, lazy, Route, Router, useLocation } from 'preact-iso';
import { CONSOLE_CALLBACK_PATH, type ConsoleConfig } from '../../config/console.ts';
import { AccountsPage } from './pages/accounts.tsx';
import { SignInCallbackPage, SignInPage } from './pages/sign-in.tsx';
import {
  getSession,
  loadConfig,
  localSignIn,
  type Session,
  signOut,
  useRenewal,
  useSession,
} from './session.ts';
import { ErrorNote, Loading, useLoad } from './ui.tsx';

const AccountPage = lazy(() => import('./pages/account.tsx').then((m) => m.AccountPage));
const AssetPage = lazy(() => import('./pages/asset.tsx').then((m) => m.AssetPage));
const UserPage = lazy(() => import('./pages/user.tsx').then((m) => m.UserPage));
const DevicesPage = lazy(() => import('./pages/devices.tsx').then((m) => m.DevicesPage));
const DevicePage = lazy(() => import('./pages/devices.tsx').then((m) => m.DevicePage));
const JobsPage = lazy(() => import('./pages/jobs.tsx').then((m) => m.JobsPage));
const ReportsPage = lazy(() => import('./pages/reports.tsx').then((m) => m.ReportsPage));
const AuditPage = lazy(() => import('./pages/audit.tsx').then((m) => m.AuditPage));

/** How this console renews a session: the local sign-in again, or the provider's refresh grant. */
const renewerOf =
  (config: ConsoleConfig) =>
  async (session: Session): Promise<Session | undefined> => {
    if (session.renew.kind === 'local') return localSignIn(session.renew);
    if (config.auth.kind !== 'oidc') return undefined;
    const { renew } = await import('./oidc.ts');
    return renew(config.auth, session);
  };

/** Forgets the tokens first, then ends the provider's session when it has a sign-out page. */
async function signOutOf(config: ConsoleConfig, route: (url: string) => void): Promise<void> {
  const idToken = getSession()?.token;
  signOut();
  if (config.auth.kind === 'oidc') {
    const { endSessionUrl } = await import('./oidc.ts');
    const url = await endSessionUrl(config.auth, idToken);
    if (url) return window.location.assign(url);
  }
  route('/');
}

export function App() {
  const config = useLoad(loadConfig, []);
  return (
    <LocationProvider>
      {config.error ? (
        <main id="main">
          <ErrorNote error={config.error} />
        </main>
      ) : config.data ? (
        <Console config={config.data} />
      ) : (
        <main id="main">
          <Loading what="the console" />
        </main>
      )}
    </LocationProvider>
  );
}

const NAV = [
  ['/accounts', 'Accounts'],
  ['/devices', 'Devices'],
  ['/jobs', 'Jobs'],
  ['/reports', 'Reports'],
  ['/audit', 'Audit log'],
] as const;

function Console({ config }: { config: ConsoleConfig }) {
  const session = useSession();
  const location = useLocation();
  useRenewal(useMemo(() => renewerOf(config), [config]));
  const main = useRef<HTMLElement>(null);
  // A new page: its heading is announced and focus starts at the content (keyboard and screen readers).
  useEffect(() => {
    const heading = main.current?.querySelector('h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
    document.title = `${heading?.textContent ?? 'Console'} · VPP Manager`;
  }, [location.path, session]);

  if (config.auth.kind === 'oidc' && location.path === CONSOLE_CALLBACK_PATH)
    return (
      <main id="main" ref={main}>
        <SignInCallbackPage auth={config.auth} />
      </main>
    );
  if (!session)
    return (
      <main id="main" ref={main}>
        <SignInPage config={config} />
      </main>
    );
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/accounts">
          VPP Manager
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([href, label]) => (
              <li key={href}>
                <a href={href} aria-current={location.path.startsWith(href) ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span>
            {session.email} · <strong>{session.role}</strong> · {session.org}
          </span>
          <button type="button" onClick={() => signOutOf(config, location.route)}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={main}>
        <Router>
          <Route path="/" component={AccountsPage} />
          <Route path="/accounts" component={AccountsPage} />
          <Route path="/accounts/:accountId" component={AccountPage} />
          <Route path="/accounts/:accountId/:tab" component={AccountPage} />
          <Route path="/accounts/:accountId/apps/:adamId" component={AssetPage} />
          <Route path="/accounts/:accountId/users/:userId" component={UserPage} />
          <Route path="/devices" component={DevicesPage} />
          <Route path="/devices/:serialNumber" component={DevicePage} />
          <Route path="/jobs" component={JobsPage} />
          <Route path="/reports" component={ReportsPage} />
          <Route path="/audit" component={AuditPage} />
          <Route default component={NotFound} />
        </Router>
      </main>
    </>
  );
}

function NotFound() {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        There is no such page in the console. <a href="/accounts">Go to the accounts</a>.
      </p>
    </>
  );
}
