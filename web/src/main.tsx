import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { Layout } from './components/Layout';
import { ContactCardScreen } from './screens/ContactCardScreen';
import { ContactsScreen } from './screens/ContactsScreen';
import { ConversationScreen } from './screens/ConversationScreen';
import { ImportScreen } from './screens/ImportScreen';
import { MergeScreen } from './screens/MergeScreen';
import { MessengersScreen } from './screens/MessengersScreen';
import { MineScreen } from './screens/MineScreen';
import { SettingsScreen } from './screens/SettingsScreen';
import { SignInScreen } from './screens/SignInScreen';
import { SuggestionsScreen } from './screens/SuggestionsScreen';
import { WebhooksScreen } from './screens/WebhooksScreen';
import { SessionProvider, useSession } from './session';
import './styles.css';

function RequireKey({ children }: { children: React.ReactNode }) {
  const location = useLocation();
  const { me, checking } = useSession();
  if (checking) return <p className="muted">Loading…</p>;
  if (!me) return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />;
  return <Layout>{children}</Layout>;
}

function App() {
  return (
    <Routes>
      <Route path="/sign-in" element={<SignInScreen />} />
      <Route path="/" element={<Navigate to="/contacts" replace />} />
      <Route path="/contacts" element={<RequireKey><ContactsScreen /></RequireKey>} />
      <Route path="/contacts/:id" element={<RequireKey><ContactCardScreen /></RequireKey>} />
      <Route path="/contacts/:contactId/conversations/:conversationId" element={<RequireKey><ConversationScreen /></RequireKey>} />
      <Route path="/mine" element={<RequireKey><MineScreen /></RequireKey>} />
      <Route path="/merge" element={<RequireKey><MergeScreen /></RequireKey>} />
      <Route path="/suggestions" element={<RequireKey><SuggestionsScreen /></RequireKey>} />
      <Route path="/settings" element={<RequireKey><SettingsScreen /></RequireKey>} />
      <Route path="/messengers" element={<RequireKey><MessengersScreen /></RequireKey>} />
      <Route path="/webhooks" element={<RequireKey><WebhooksScreen /></RequireKey>} />
      <Route path="/import" element={<RequireKey><ImportScreen /></RequireKey>} />
      <Route path="*" element={<RequireKey><p role="alert">There is no page at this address. Pick one from the menu.</p></RequireKey>} />
    </Routes>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <BrowserRouter>
      <SessionProvider>
        <App />
      </SessionProvider>
    </BrowserRouter>
  </StrictMode>,
);
