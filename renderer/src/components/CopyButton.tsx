// Copy to clipboard. The Electron window has no clipboard permission (every permission is denied), so the
// main process writes it (app:copy); where it cannot (the browser bridge) the page's own clipboard is used.
// Only public text goes through here: challenge values, fingerprints, certificates, paths — never secrets.
import CheckIcon from '@mui/icons-material/Check';
import ContentCopyIcon from '@mui/icons-material/ContentCopy';
import { useEffect, useState } from 'react';
import { call } from '../api.ts';
import { IconAction } from './IconAction.tsx';

function selectionCopy(text: string): boolean {
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

/** Puts `text` on the clipboard by the best way available; false when every way failed. */
export async function copyText(text: string): Promise<boolean> {
  try {
    if ((await call('app:copy', { text })).copied) return true;
  } catch {
    // Too long, or no engine: try the page's own clipboard.
  }
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return selectionCopy(text);
  }
}

/** Copies `text` to the clipboard; the icon turns into a check for a moment. */
export function CopyButton({ text, label, size = 'small' }: { text: string; label: string; size?: 'small' | 'medium' }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const t = setTimeout(() => setState('idle'), 1500);
    return () => clearTimeout(t);
  }, [state]);

  const copy = async () => setState((await copyText(text)) ? 'copied' : 'failed');

  const shown = state === 'copied' ? 'Copied' : state === 'failed' ? 'Could not copy: select the text and press Ctrl+C' : label;
  return (
    <IconAction label={shown} size={size} onClick={() => void copy()} data-copied={state === 'copied' ? 'true' : undefined}>
      {state === 'copied' ? <CheckIcon fontSize="inherit" color="success" /> : <ContentCopyIcon fontSize="inherit" />}
    </IconAction>
  );
}
