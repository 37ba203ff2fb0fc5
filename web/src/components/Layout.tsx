import { NavLink, useNavigate } from 'react-router';
import { api } from '../api';
import { closeLive, useLive, useLiveState } from '../live';
import { useSession } from '../session';

const SECTIONS = [
  { to: '/contacts', label: 'Contacts' },
  { to: '/mine', label: 'Mine' },
  { to: '/merge', label: 'Merge' },
  { to: '/suggestions', label: 'Suggestions' },
  { to: '/messengers', label: 'Messengers' },
  { to: '/webhooks', label: 'Webhooks' },
  { to: '/import', label: 'Import' },
  { to: '/settings', label: 'Settings' },
];

export function Layout({ children }: { children: React.ReactNode }) {
  const navigate = useNavigate();
  const { me, set } = useSession();
  // the tab's one live stream stays open while signed in, whichever screen is shown
  useLive(() => {});
  const live = useLiveState();
  return (
    <div className="app">
      <header className="top">
        <span className="brand">omnimerge</span>
        <nav aria-label="Main">
          {SECTIONS.map((section) => (
            <NavLink key={section.to} to={section.to}>
              {section.label}
            </NavLink>
          ))}
        </nav>
        <span className="who">
          <span className={`live-state ${live}`} aria-live="polite" title="Live updates">
            {live === 'live' ? '● Live' : live === 'reconnecting' ? '○ Reconnecting…' : '○ Connecting…'}
          </span>{' '}
          {me ? <span className="signed-in-as">{me.name}</span> : null}
        </span>
        <button
          type="button"
          className="link-button"
          onClick={async () => {
            await api.signOut().catch(() => undefined);
            closeLive();
            set(null);
            navigate('/sign-in');
          }}
        >
          Sign out
        </button>
      </header>
      <main>{children}</main>
    </div>
  );
}
