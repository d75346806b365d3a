import createCache from '@emotion/cache';
import { CacheProvider } from '@emotion/react';
import CssBaseline from '@mui/material/CssBaseline';
import { ThemeProvider } from '@mui/material/styles';
import useMediaQuery from '@mui/material/useMediaQuery';
import { StrictMode, useMemo } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { ErrorBoundary } from './components/ErrorBoundary.tsx';
import { NoticeProvider } from './components/Notice.tsx';
import { AccountsProvider } from './state/accounts.tsx';
import { DnsProvider } from './state/dns.tsx';
import { ServersProvider } from './state/servers.tsx';
import { RequestsProvider } from './state/requests.tsx';
import { createAppTheme } from './theme.ts';

/**
 * The style nonce of this page load (the CSP allows only <style> elements that carry it; see
 * contentSecurityPolicy() in electron/app/window-policy.ts). Read once, then the meta is removed.
 */
function cspNonce(): string | undefined {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]');
  const nonce = meta?.content;
  meta?.remove();
  return nonce && !nonce.startsWith('__') ? nonce : undefined;
}

// MUI styles go through Emotion; this cache stamps the nonce on every <style> element it inserts.
const styleCache = createCache({ key: 'cd', nonce: cspNonce() });

function Root() {
  // The theme follows the OS setting, live.
  const dark = useMediaQuery('(prefers-color-scheme: dark)', { noSsr: true });
  const theme = useMemo(() => createAppTheme(dark ? 'dark' : 'light'), [dark]);
  return (
    <ThemeProvider theme={theme}>
      <CssBaseline enableColorScheme />
      <NoticeProvider>
        <AccountsProvider>
          <RequestsProvider>
            <DnsProvider>
              <ServersProvider>
                <App />
              </ServersProvider>
            </DnsProvider>
          </RequestsProvider>
        </AccountsProvider>
      </NoticeProvider>
    </ThemeProvider>
  );
}

const container = document.getElementById('root');
if (!container) throw new Error('Certdesk: #root is missing from index.html.');
createRoot(container).render(
  <StrictMode>
    <CacheProvider value={styleCache}>
      <ErrorBoundary>
        <Root />
      </ErrorBoundary>
    </CacheProvider>
  </StrictMode>,
);
