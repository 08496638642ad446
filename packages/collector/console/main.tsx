/**
 * The operator console: a Preact app served by the collector at /console/.
 * It signs in with an admin key and uses only the public admin API. A page is
 * one module and one entry of ROUTES; the audiences, webhooks and
 * subscriptions pages join here when their features land.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { getAdminKey, signOut } from './api.js';
import { EventPage } from './pages/event.js';
import { LivePage } from './pages/live.js';
import { OverviewPage } from './pages/overview.js';
import { ProfilePage } from './pages/profile.js';
import { ProfilesPage } from './pages/profiles.js';
import { SettingsPage } from './pages/settings.js';
import { SignInPage } from './pages/sign-in.js';
import { currentPath, match, navigate, type Route, useHash } from './router.js';

const ROUTES: Route[] = [
  { pattern: '/', page: OverviewPage, nav: 'Overview', title: 'Overview' },
  { pattern: '/live', page: LivePage, nav: 'Live events', title: 'Live events' },
  { pattern: '/profiles', page: ProfilesPage, nav: 'Profiles', title: 'Profiles' },
  { pattern: '/profiles/:ref', page: ProfilePage, title: 'Profile' },
  { pattern: '/events/:messageId', page: EventPage, title: 'Event' },
  { pattern: '/settings', page: SettingsPage, nav: 'Settings', title: 'Settings' },
];

/** A one-time message left by an action that navigated away (e.g. after an erasure). */
const NOTICE_STORAGE = 'exhaust:v1:notice';

function App() {
  const hash = useHash();
  const path = currentPath();
  const signedIn = getAdminKey() !== null;
  const [notice, setNotice] = useState<string | null>(null);
  const found = match(ROUTES, path);
  useEffect(() => {
    document.title = `${found?.route.title ?? 'Not found'} · Exhaust console`;
    const left = sessionStorage.getItem(NOTICE_STORAGE);
    sessionStorage.removeItem(NOTICE_STORAGE);
    setNotice(left);
    document.getElementById('main')?.focus();
  }, [hash]);
  if (!signedIn || path === '/sign-in') {
    if (signedIn) navigate('#/');
    return <SignInPage />;
  }
  const Page = found?.route.page;
  return (
    <>
      <button type="button" class="skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <header>
        <strong class="brand">Exhaust</strong>
        <nav aria-label="Console">
          <ul>
            {ROUTES.filter((r) => r.nav).map((r) => (
              <li key={r.pattern}>
                <a
                  href={`#${r.pattern}`}
                  aria-current={
                    path === r.pattern || (r.pattern !== '/' && path.startsWith(`${r.pattern}/`)) ? 'page' : undefined
                  }
                >
                  {r.nav}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <button
          type="button"
          onClick={() => {
            signOut();
            navigate('#/sign-in');
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {notice ? (
          <p class="notice" role="status">
            {notice}
          </p>
        ) : null}
        {Page && found ? (
          <Page key={hash} params={found.params} />
        ) : (
          <>
            <h1>Not found</h1>
            <p>
              No console page at <code>{path}</code>. <a href="#/">Go to the overview</a>.
            </p>
          </>
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
