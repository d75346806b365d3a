// The directory a form points at, and what the CA says about it (accounts:directory-info).
import { useEffect, useState } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { DirectoryInfo } from '../../../shared/model/account.ts';
import type { KeySpec } from '../../../shared/model/request.ts';
import { call, errorInfo } from '../api.ts';

export type DirectoryChoice = 'production' | 'staging' | 'custom';

export interface PemFile {
  fileName: string;
  text: string;
}

/**
 * A key file picked with the native open dialog (Electron): the main process read it and keeps it; the page
 * only holds its handle, name and (for a certificate key) type.
 */
export interface PickedKey {
  fileName: string;
  handle: string;
  keySpec: KeySpec | null;
}

/** A key chosen in a form: read in the page (browser preview) or picked in the main process (Electron). */
export type KeyFile = PemFile | PickedKey;

export function isPicked(file: KeyFile | null): file is PickedKey {
  return file !== null && 'handle' in file;
}

export interface DirectoryValue {
  /** Null until the user picks one: nothing is contacted before that. */
  choice: DirectoryChoice | null;
  customUrl: string;
  /** Extra trusted CA for a custom directory. */
  ca: PemFile | null;
}

export const EMPTY_DIRECTORY: DirectoryValue = { choice: null, customUrl: '', ca: null };

export type DirectoryInfoState =
  | { status: 'none' }
  | { status: 'invalid'; message: string }
  | { status: 'loading'; directory: string }
  | { status: 'ok'; directory: string; info: DirectoryInfo }
  | { status: 'error'; directory: string; error: ErrorInfo };

/** The service names the extra CA `caPem` (text from the UI) or `caFile` (a path, CLI; also some TLS errors). */
export function isCaField(field: string | undefined): boolean {
  return field === 'caPem' || field === 'caFile';
}

/** Checks a custom directory URL before anything is sent; null when it looks right. */
export function customUrlProblem(url: string): string | null {
  const text = url.trim();
  if (!text) return 'Enter the https:// address of the CA’s ACME directory.';
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return 'This is not a URL: enter the full address, e.g. https://acme.example.com/directory.';
  }
  if (parsed.protocol !== 'https:') return 'ACME directories are served over https://: start the address with https://.';
  return null;
}

/** What the request's `directory` field carries, or null when the choice is incomplete. */
export function directoryRequest(value: DirectoryValue): string | null {
  if (value.choice === null) return null;
  if (value.choice !== 'custom') return value.choice;
  return customUrlProblem(value.customUrl) ? null : value.customUrl.trim();
}

/** The CA PEM to send: only for a custom directory. */
export function caPemRequest(value: DirectoryValue): string | undefined {
  return value.choice === 'custom' && value.ca ? value.ca.text : undefined;
}

/** What is wrong with the chosen directory before a form is sent, keyed by field (`directory` or `caPem`). */
export function directoryErrors(value: DirectoryValue, state: DirectoryInfoState): Record<string, string> {
  if (value.choice === null) return { directory: 'Choose a directory: Production, Staging or a custom URL.' };
  if (state.status === 'invalid') return { directory: state.message };
  if (state.status === 'error') return { [isCaField(state.error.field) ? 'caPem' : 'directory']: state.error.message };
  return {};
}

/** Reads the chosen directory; a typed URL waits until the user pauses (debounce). */
export function useDirectoryInfo(value: DirectoryValue, debounceMs = 500): DirectoryInfoState {
  const [state, setState] = useState<DirectoryInfoState>({ status: 'none' });
  const directory = directoryRequest(value);
  const caPem = caPemRequest(value);
  const invalid = value.choice === 'custom' ? customUrlProblem(value.customUrl) : null;

  useEffect(() => {
    if (invalid) {
      setState({ status: 'invalid', message: invalid });
      return;
    }
    if (directory === null) {
      setState({ status: 'none' });
      return;
    }
    let stale = false;
    setState({ status: 'loading', directory });
    const timer = setTimeout(
      () => {
        call('accounts:directory-info', caPem ? { directory, caPem } : { directory })
          .then((info) => {
            if (!stale) setState({ status: 'ok', directory, info });
          })
          .catch((err: unknown) => {
            if (!stale) setState({ status: 'error', directory, error: errorInfo(err) });
          });
      },
      value.choice === 'custom' ? debounceMs : 0,
    );
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [directory, caPem, invalid, value.choice, debounceMs]);

  return state;
}
