import Inventory2OutlinedIcon from '@mui/icons-material/Inventory2Outlined';
import Box from '@mui/material/Box';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import { PageHeader } from './PageHeader.tsx';

export function CertificatesPage() {
  return (
    <>
      <PageHeader title="Certificates" subtitle="The repository: every certificate Certdesk has saved, with its versions and deployments." />
      <Paper variant="outlined" sx={{ flex: 1, display: 'grid', placeItems: 'center', p: 4 }}>
        <Box sx={{ textAlign: 'center', maxWidth: 460 }}>
          <Inventory2OutlinedIcon sx={{ fontSize: 44, color: 'text.disabled', mb: 1 }} aria-hidden />
          <Typography variant="subtitle1">Nothing saved yet</Typography>
          <Typography variant="body2" color="text.secondary">
            The repository lists saved certificates — coming with certificate requests.
          </Typography>
        </Box>
      </Paper>
    </>
  );
}
