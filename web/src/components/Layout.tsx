import { NavLink, useNavigate } from 'react-router';
import { session } from '../api';

const SECTIONS = [
  { to: '/contacts', label: 'Contacts' },
  { to: '/merge', label: 'Merge' },
  { to: '/suggestions', label: 'Suggestions' },
  { to: '/messengers', label: 'Messengers' },
  { to: '/webhooks', label: 'Webhooks' },
  { to: '/import', label: 'Import' },
  { to: '/settings', label: 'Settings' },
];

export function Layout({ children }: { children: React.ReactNode }) {
  const navigate = useNavigate();
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
        <button
          type="button"
          className="link-button"
          onClick={() => {
            session.signOut();
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
