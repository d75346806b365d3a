// Manage: the account, the DNS accounts, end servers with their mappings and DNS mappings (Deploy) and Windows agents.
import CloseIcon from '@mui/icons-material/Close';
import Box from '@mui/material/Box';
import Dialog from '@mui/material/Dialog';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import { AgentsTab } from '../agents/AgentsTab.tsx';
import { useDiscardGuard } from '../components/DiscardGuard.tsx';
import { IconAction } from '../components/IconAction.tsx';
import { DeployTab } from '../deploy/DeployTab.tsx';
import { DnsTab } from '../dns/DnsTab.tsx';
import { AccountTab } from './AccountTab.tsx';

export type ManageTab = 'account' | 'dns' | 'deploy' | 'agents';

/** Opens Manage on a tab; `register` opens the Account tab on New Registration (first run). */
export type ManageOpen = (tab: ManageTab, options?: { register?: boolean }) => void;

const TABS: Array<{ id: ManageTab; label: string }> = [
  { id: 'account', label: 'Account' },
  { id: 'dns', label: 'DNS' },
  { id: 'deploy', label: 'Deploy' },
  { id: 'agents', label: 'Windows agents' },
];

interface ManageDialogProps {
  /** The open tab, or null when the dialog is closed. */
  tab: ManageTab | null;
  onTabChange: (tab: ManageTab) => void;
  onClose: () => void;
  /** The Account tab opens on New Registration instead of the list. */
  register?: boolean;
  /** The next step after a registration: close Manage and open the Certificate Request. */
  onRequestCertificate?: () => void;
}

export function ManageDialog({ tab, onTabChange, onClose, register = false, onRequestCertificate }: ManageDialogProps) {
  const current = tab ?? 'account';
  // A half-filled form in a tab (New Registration, Add Account, ...) is not thrown away without asking.
  const guard = useDiscardGuard({ onClose, open: tab !== null, what: 'Manage' });
  return (
    <>
    <Dialog
      open={tab !== null}
      onClose={guard.requestClose}
      maxWidth="md"
      fullWidth
      aria-labelledby="manage-title"
      slotProps={{ paper: { ...guard.rootProps, sx: { height: 'min(960px, calc(100% - 64px))' } } as object }}
    >
      {guard.wrap(
      <>
      <DialogTitle id="manage-title" sx={{ display: 'flex', alignItems: 'center', pb: 0 }}>
        <Box sx={{ flex: 1 }}>Manage</Box>
        <IconAction label="Close" edge="end" onClick={guard.requestClose}>
          <CloseIcon />
        </IconAction>
      </DialogTitle>
      <Box sx={{ borderBottom: 1, borderColor: 'divider', px: 3 }}>
        <Tabs
          value={current}
          onChange={(_e, v: ManageTab) => guard.requestLeave(() => onTabChange(v), `the ${TABS.find((t) => t.id === current)?.label ?? ''} tab`)}
          aria-label="Manage sections"
        >
          {TABS.map((t) => (
            <Tab key={t.id} value={t.id} label={t.label} id={`manage-tab-${t.id}`} aria-controls={`manage-panel-${t.id}`} sx={{ minWidth: 0, px: 2 }} />
          ))}
        </Tabs>
      </Box>
      <DialogContent
        role="tabpanel"
        id={`manage-panel-${current}`}
        aria-labelledby={`manage-tab-${current}`}
        sx={{ pt: '20px !important', bgcolor: 'background.default' }}
      >
        {current === 'account' ? <AccountTab initialView={register ? 'register' : 'list'} {...(onRequestCertificate ? { onRequestCertificate } : {})} /> : null}
        {current === 'dns' ? <DnsTab /> : null}
        {current === 'deploy' ? <DeployTab /> : null}
        {current === 'agents' ? <AgentsTab /> : null}
      </DialogContent>
      </>,
      )}
    </Dialog>
    {guard.prompt}
    </>
  );
}
