// The frame: top bar (name, alerts), left navigation (SSL → Certificates, ACME → Let's Encrypt, Settings),
// and the current page. The page is kept in the URL hash so a reload stays where the user was.
import LockIcon from '@mui/icons-material/Lock';
import SettingsIcon from '@mui/icons-material/Settings';
import ShieldOutlinedIcon from '@mui/icons-material/ShieldOutlined';
import VerifiedUserOutlinedIcon from '@mui/icons-material/VerifiedUserOutlined';
import AppBar from '@mui/material/AppBar';
import Box from '@mui/material/Box';
import Divider from '@mui/material/Divider';
import Drawer from '@mui/material/Drawer';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemIcon from '@mui/material/ListItemIcon';
import ListItemText from '@mui/material/ListItemText';
import ListSubheader from '@mui/material/ListSubheader';
import Toolbar from '@mui/material/Toolbar';
import Typography from '@mui/material/Typography';
import { useEffect, useState, type ReactNode } from 'react';
import type { AlertAction } from '../../shared/model/renewal.ts';
import { AlertsBell } from './alerts/AlertsBell.tsx';
import { ManageDialog, type ManageTab } from './manage/ManageDialog.tsx';
import { CertificatesPage } from './pages/CertificatesPage.tsx';
import { LetsEncryptPage } from './pages/LetsEncryptPage.tsx';
import { SettingsPage } from './pages/SettingsPage.tsx';
import { RenewDialog } from './requests/ActionDialogs.tsx';
import { RequestDialog } from './requests/RequestDialog.tsx';
import { RequestWindow } from './requests/RequestWindow.tsx';
import { useRequests } from './state/requests.tsx';

type PageId = 'certificates' | 'letsencrypt' | 'settings';
const PAGES: readonly PageId[] = ['certificates', 'letsencrypt', 'settings'];
const NAV_WIDTH = 224;

function pageFromHash(): PageId {
  // `#/certificates/<id>` (the tray's next expiries) opens the Certificates page.
  const id = window.location.hash.replace(/^#\/?/, '').split('/')[0] ?? '';
  return (PAGES as readonly string[]).includes(id) ? (id as PageId) : 'letsencrypt';
}

/** `#/certificates/<id>`: the certificate whose details to open (the tray's next expiries link there). */
function certificateFromHash(): { id: string; at: number } | null {
  const [page, id] = window.location.hash.replace(/^#\/?/, '').split('/');
  return page === 'certificates' && id ? { id: decodeURIComponent(id), at: Date.now() } : null;
}

/** A page in the navigation: a list item (a list holds items only) with the button that opens the page. */
function NavItem({ id, current, icon, label, onSelect }: { id: PageId; current: PageId; icon: ReactNode; label: string; onSelect: (id: PageId) => void }) {
  const selected = id === current;
  return (
    <ListItem disablePadding>
      <ListItemButton selected={selected} aria-current={selected ? 'page' : undefined} onClick={() => onSelect(id)} sx={{ mx: 1, my: 0.25, py: 0.75 }}>
        <ListItemIcon sx={{ minWidth: 34 }}>{icon}</ListItemIcon>
        <ListItemText primary={label} />
      </ListItemButton>
    </ListItem>
  );
}

export function App() {
  const [page, setPage] = useState<PageId>(pageFromHash);
  const [manageTab, setManageTab] = useState<ManageTab | null>(null);
  /** Manage opened on New Registration (the first run's "Create your ACME account"). */
  const [manageRegister, setManageRegister] = useState(false);
  /** The Certificate Request opened as the next step after a registration. */
  const [requesting, setRequesting] = useState(false);
  const { requests, reload: reloadRequests } = useRequests();
  // What an alert's action opened: a request's window, the Renew confirmation, or a certificate's details.
  const [windowId, setWindowId] = useState<string | null>(null);
  const [renewId, setRenewId] = useState<string | null>(null);
  const [certificateFocus, setCertificateFocus] = useState<{ id: string; at: number } | null>(certificateFromHash);
  const renewing = renewId ? requests.find((r) => r.id === renewId) : undefined;

  useEffect(() => {
    const onHash = () => {
      setPage(pageFromHash());
      const focus = certificateFromHash();
      if (focus) setCertificateFocus(focus);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const select = (id: PageId) => {
    setPage(id);
    window.history.replaceState(window.history.state, '', `#/${id}`);
    document.getElementById('main')?.focus();
  };

  const onAlertAction = (action: AlertAction) => {
    switch (action.kind) {
      case 'open-request':
        if (action.requestId) setWindowId(action.requestId);
        return;
      case 'renew':
        if (action.requestId) setRenewId(action.requestId);
        else if (action.certificateId) {
          setCertificateFocus({ id: action.certificateId, at: Date.now() });
          select('certificates');
        }
        return;
      case 'open-certificate':
        if (action.certificateId) {
          setCertificateFocus({ id: action.certificateId, at: Date.now() });
          select('certificates');
        } else if (action.requestId) setWindowId(action.requestId);
        return;
      case 'open-settings':
        select('settings');
        return;
    }
  };

  return (
    <Box sx={{ display: 'flex', height: '100%' }}>
      <Box
        component="a"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
        sx={{
          position: 'absolute',
          left: 8,
          top: -48,
          zIndex: 2000,
          bgcolor: 'primary.main',
          color: 'primary.contrastText',
          px: 2,
          py: 1,
          borderRadius: 1,
          '&:focus': { top: 8 },
        }}
      >
        Skip to content
      </Box>
      <AppBar
        position="fixed"
        elevation={0}
        color="inherit"
        sx={{ zIndex: (t) => t.zIndex.drawer + 1, borderBottom: 1, borderColor: 'divider', bgcolor: 'background.paper' }}
      >
        <Toolbar variant="dense" sx={{ gap: 1.25, minHeight: 52 }}>
          <Box
            aria-hidden
            sx={{
              width: 28,
              height: 28,
              borderRadius: 1.5,
              display: 'grid',
              placeItems: 'center',
              bgcolor: 'primary.main',
              color: 'primary.contrastText',
            }}
          >
            <LockIcon sx={{ fontSize: 17 }} />
          </Box>
          <Typography component="h1" variant="h6" sx={{ fontWeight: 700, letterSpacing: '-0.01em' }}>
            Certdesk
          </Typography>
          <Box sx={{ flex: 1 }} />
          <AlertsBell onAction={onAlertAction} />
        </Toolbar>
      </AppBar>
      <Drawer
        variant="permanent"
        sx={{ width: NAV_WIDTH, flexShrink: 0, '& .MuiDrawer-paper': { width: NAV_WIDTH, boxSizing: 'border-box', bgcolor: 'background.default' } }}
      >
        <Toolbar variant="dense" sx={{ minHeight: 52 }} />
        <Box component="nav" aria-label="Main" sx={{ py: 1, display: 'flex', flexDirection: 'column', height: '100%' }}>
          <List dense subheader={<ListSubheader sx={{ bgcolor: 'transparent', lineHeight: '32px' }}>SSL</ListSubheader>}>
            <NavItem id="certificates" current={page} onSelect={select} icon={<VerifiedUserOutlinedIcon fontSize="small" />} label="Certificates" />
          </List>
          <List dense subheader={<ListSubheader sx={{ bgcolor: 'transparent', lineHeight: '32px' }}>ACME</ListSubheader>}>
            <NavItem id="letsencrypt" current={page} onSelect={select} icon={<ShieldOutlinedIcon fontSize="small" />} label="Let's Encrypt" />
          </List>
          <Box sx={{ flex: 1 }} />
          <Divider sx={{ mx: 2 }} />
          <List dense>
            <NavItem id="settings" current={page} onSelect={select} icon={<SettingsIcon fontSize="small" />} label="Settings" />
          </List>
        </Box>
      </Drawer>
      <Box
        component="main"
        id="main"
        tabIndex={-1}
        sx={{ flex: 1, minWidth: 0, display: 'flex', flexDirection: 'column', outline: 'none', overflow: 'auto' }}
      >
        <Toolbar variant="dense" sx={{ minHeight: 52 }} />
        <Box sx={{ p: 3, flex: 1, minHeight: 0, display: 'flex', flexDirection: 'column' }}>
          {page === 'certificates' ? <CertificatesPage focus={certificateFocus} /> : null}
          {page === 'letsencrypt' ? (
            <LetsEncryptPage
              onManage={(tab, options) => {
                setManageRegister(options?.register === true);
                setManageTab(tab);
              }}
            />
          ) : null}
          {page === 'settings' ? <SettingsPage /> : null}
        </Box>
      </Box>
      <ManageDialog
        tab={manageTab}
        register={manageRegister}
        onTabChange={(t) => {
          setManageRegister(false);
          setManageTab(t);
        }}
        onClose={() => setManageTab(null)}
        onRequestCertificate={() => {
          setManageTab(null);
          if (page !== 'letsencrypt') select('letsencrypt');
          setRequesting(true);
        }}
      />
      {requesting ? (
        <RequestDialog
          open
          onClose={() => setRequesting(false)}
          onCreated={(r) => {
            setRequesting(false);
            setWindowId(r.id);
            void reloadRequests();
          }}
        />
      ) : null}
      {windowId ? <RequestWindow requestId={windowId} onClose={() => setWindowId(null)} /> : null}
      {renewing ? (
        <RenewDialog
          request={renewing}
          onClose={() => setRenewId(null)}
          onRenewing={(r) => {
            setRenewId(null);
            setWindowId(r.id);
          }}
        />
      ) : null}
    </Box>
  );
}
