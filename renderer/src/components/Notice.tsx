// Short confirmations ("E-mail updated") in one snackbar for the whole app.
import Alert from '@mui/material/Alert';
import Portal from '@mui/material/Portal';
import Snackbar from '@mui/material/Snackbar';
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

type Severity = 'success' | 'info' | 'warning' | 'error';
interface NoticeItem {
  key: number;
  text: string;
  severity: Severity;
}

const NoticeContext = createContext<(text: string, severity?: Severity) => void>(() => undefined);

export function NoticeProvider({ children }: { children: ReactNode }) {
  const [item, setItem] = useState<NoticeItem | null>(null);
  const [open, setOpen] = useState(false);
  const notify = useCallback((text: string, severity: Severity = 'success') => {
    setItem({ key: Date.now(), text, severity });
    setOpen(true);
  }, []);
  const value = useMemo(() => notify, [notify]);
  return (
    <NoticeContext.Provider value={value}>
      {children}
      {/* A portal of its own, mounted anew per notice: an open modal dialog hides (aria-hidden) everything
          that was in the page before it, and a notice must still be announced. */}
      <Portal key={item?.key}>
        <Snackbar
          open={open}
          autoHideDuration={6000}
          onClose={(_e, reason) => {
            if (reason !== 'clickaway') setOpen(false);
          }}
          anchorOrigin={{ vertical: 'bottom', horizontal: 'center' }}
        >
          {item ? (
            <Alert severity={item.severity} variant="filled" onClose={() => setOpen(false)} sx={{ maxWidth: 640 }}>
              {item.text}
            </Alert>
          ) : undefined}
        </Snackbar>
      </Portal>
    </NoticeContext.Provider>
  );
}

export function useNotice(): (text: string, severity?: Severity) => void {
  return useContext(NoticeContext);
}
