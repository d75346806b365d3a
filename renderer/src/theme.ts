// One theme for both schemes; the mode follows the OS (prefers-color-scheme). System fonts only: the app
// works offline and loads nothing from the network.
import { alpha, createTheme, type Theme } from '@mui/material/styles';

const SYSTEM_FONTS = [
  'system-ui',
  '-apple-system',
  '"Segoe UI"',
  '"Noto Sans"',
  '"Liberation Sans"',
  '"Helvetica Neue"',
  'Arial',
  'sans-serif',
].join(', ');

export const MONO_FONTS = ['ui-monospace', '"Cascadia Mono"', '"SF Mono"', 'Menlo', '"DejaVu Sans Mono"', '"Liberation Mono"', 'monospace'].join(', ');

export function createAppTheme(mode: 'light' | 'dark'): Theme {
  const dark = mode === 'dark';
  const primary = dark ? '#7aa7ff' : '#1f5fd1';
  return createTheme({
    palette: {
      mode,
      primary: { main: primary },
      success: { main: dark ? '#4caf7d' : '#2e7d4f' },
      // Light: dark enough for white text on a filled chip (Pending) and for text on paper: 4.5:1 at least.
      warning: { main: dark ? '#f0b252' : '#9c5700' },
      info: { main: dark ? '#29b6f6' : '#0b6aa8' },
      error: { main: dark ? '#f2777a' : '#c62828' },
      background: dark ? { default: '#121417', paper: '#1a1d21' } : { default: '#f5f6f8', paper: '#ffffff' },
      divider: dark ? 'rgba(255,255,255,0.10)' : 'rgba(15,23,42,0.10)',
      ...(dark ? {} : { text: { primary: '#1b2330', secondary: '#5a6474' } }),
    },
    shape: { borderRadius: 8 },
    typography: {
      fontFamily: SYSTEM_FONTS,
      fontSize: 13,
      h5: { fontWeight: 600, fontSize: '1.35rem' },
      h6: { fontWeight: 600, fontSize: '1.05rem' },
      subtitle1: { fontWeight: 600 },
      subtitle2: { fontWeight: 600 },
      button: { textTransform: 'none', fontWeight: 600 },
      overline: { fontWeight: 700, letterSpacing: '0.08em' },
    },
    components: {
      MuiButton: { defaultProps: { disableElevation: true } },
      MuiTextField: { defaultProps: { size: 'small', fullWidth: true } },
      MuiTooltip: { defaultProps: { arrow: true } },
      // Subtitles are styled text, not headings (MUI maps them to h6): headings are given explicitly
      // (component="h3"), so the outline goes h1 → h2 → h3 without gaps.
      MuiTypography: { defaultProps: { variantMapping: { subtitle1: 'p', subtitle2: 'p' } } },
      // A disabled field's help says why it is disabled: it stays readable.
      MuiFormHelperText: { styleOverrides: { root: ({ theme }) => ({ '&.Mui-disabled': { color: theme.palette.text.secondary } }) } },
      MuiChip: { styleOverrides: { root: { fontWeight: 600 } } },
      MuiTableCell: {
        styleOverrides: {
          head: ({ theme }) => ({
            fontWeight: 600,
            color: theme.palette.text.secondary,
            backgroundColor: theme.palette.mode === 'dark' ? alpha('#ffffff', 0.03) : alpha('#0f172a', 0.025),
          }),
        },
      },
      MuiCard: { defaultProps: { variant: 'outlined' } },
      MuiPaper: { styleOverrides: { outlined: { borderColor: dark ? 'rgba(255,255,255,0.10)' : 'rgba(15,23,42,0.12)' } } },
      MuiDialog: { styleOverrides: { paper: { backgroundImage: 'none' } } },
      MuiDialogTitle: { styleOverrides: { root: { fontWeight: 600 } } },
      MuiListItemButton: {
        styleOverrides: {
          root: ({ theme }) => ({
            borderRadius: theme.shape.borderRadius,
            '&.Mui-selected': {
              backgroundColor: alpha(theme.palette.primary.main, dark ? 0.18 : 0.1),
              color: theme.palette.primary.main,
              '& .MuiListItemIcon-root': { color: theme.palette.primary.main },
            },
          }),
        },
      },
    },
  });
}
