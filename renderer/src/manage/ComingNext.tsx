import ConstructionIcon from '@mui/icons-material/Construction';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';

export function ComingNext({ title, text }: { title: string; text: string }) {
  return (
    <Paper variant="outlined" sx={{ p: 3, display: 'flex', gap: 2, alignItems: 'flex-start' }}>
      <ConstructionIcon color="action" aria-hidden />
      <Box>
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 0.5 }}>
          <Typography variant="subtitle1" component="h3">
            {title}
          </Typography>
          <Chip size="small" label="Coming next" />
        </Box>
        <Typography variant="body2" color="text.secondary">
          {text}
        </Typography>
      </Box>
    </Paper>
  );
}
