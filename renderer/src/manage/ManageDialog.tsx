// Manage: the account, the DNS accounts, DNS mappings (Deploy) and, later, end servers and Windows agents.
import CloseIcon from '@mui/icons-material/Close';
import Box from '@mui/material/Box';
import Dialog from '@mui/material/Dialog';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Stack from '@mui/material/Stack';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import Typography from '@mui/material/Typography';
import { IconAction } from '../components/IconAction.tsx';
import { DnsMappingsTable } from '../dns/DnsMappings.tsx';
import { DnsTab } from '../dns/DnsTab.tsx';
import { AccountTab } from './AccountTab.tsx';
import { ComingNext } from './ComingNext.tsx';

export type ManageTab = 'account' | 'dns' | 'deploy' | 'agents';

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
}

export function ManageDialog({ tab, onTabChange, onClose }: ManageDialogProps) {
  const current = tab ?? 'account';
  return (
    <Dialog
      open={tab !== null}
      onClose={onClose}
      maxWidth="md"
      fullWidth
      aria-labelledby="manage-title"
      slotProps={{ paper: { sx: { height: 'min(960px, calc(100% - 64px))' } } }}
    >
      <DialogTitle id="manage-title" sx={{ display: 'flex', alignItems: 'center', pb: 0 }}>
        <Box sx={{ flex: 1 }}>Manage</Box>
        <IconAction label="Close" edge="end" onClick={onClose}>
          <CloseIcon />
        </IconAction>
      </DialogTitle>
      <Box sx={{ borderBottom: 1, borderColor: 'divider', px: 3 }}>
        <Tabs value={current} onChange={(_e, v: ManageTab) => onTabChange(v)} aria-label="Manage sections">
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
        {current === 'account' ? <AccountTab /> : null}
        {current === 'dns' ? <DnsTab /> : null}
        {current === 'deploy' ? (
          <Stack spacing={3}>
            <ComingNext
              title="End servers and mappings"
              text="The Linux servers Certdesk deploys to over SSH (host, user, pinned host key, last test) and their mappings: which domains go where, the webroot for http-01, the files and formats to write, the reload command and the address that proves the new certificate is served."
            />
            <Stack spacing={1} component="section" aria-labelledby="dns-mappings-title">
              <Typography variant="h6" component="h3" id="dns-mappings-title">
                DNS mappings
              </Typography>
              <Typography variant="body2" color="text.secondary">
                Per domain: the DNS account that answers its dns-01 challenges, the zone, and the provider’s per-domain fields (RFC
                2136: the zone and, optionally, its own TSIG key). A mapping takes precedence over the request’s DNS account.
              </Typography>
              <DnsMappingsTable />
            </Stack>
          </Stack>
        ) : null}
        {current === 'agents' ? (
          <ComingNext
            title="Windows agents"
            text="A small service for Windows servers that installs certificates into IIS and the Windows certificate store: download the agent, pair it with this Certdesk, and see every paired agent with its status."
          />
        ) : null}
      </DialogContent>
    </Dialog>
  );
}
