// Words about agents shared by the Windows agents tab, the pair dialog and the mapping dialog.
import type { Agent } from '../../../shared/model/agent.ts';

/** The agent's port unless its config says otherwise (DEFAULT_AGENT_PORT of electron/agent/protocol.ts, which
 *  uses node:crypto and so stays out of the window's bundle). */
export const DEFAULT_AGENT_PORT = 9443;

/** Capabilities as the UI names them (the agent reports the ids). */
export const CAPABILITY_LABELS: Record<string, { label: string; help: string }> = {
  webroot: { label: 'Webroot', help: 'Places http-01 files in a directory the web server serves.' },
  'self-serve': { label: 'Own http-01', help: 'Answers http-01 challenges itself on its challenge port (no web server needed).' },
  files: { label: 'Files', help: 'Writes certificate files (PEM, PFX, JKS) with backups.' },
  run: { label: 'Reload', help: 'Runs a reload command after a deployment.' },
  iis: { label: 'IIS', help: 'Imports the certificate into LocalMachine\\My and binds it to an IIS site.' },
  'served-serial': { label: 'TLS check', help: 'Reports the certificate serial its TLS site serves.' },
};

export function capabilityLabel(id: string): string {
  return CAPABILITY_LABELS[id]?.label ?? id;
}

/** Paths on this agent are Windows paths (C:\...). */
export function isWindowsAgent(agent: Pick<Agent, 'report'> | undefined): boolean {
  return agent?.report.os.toLowerCase() === 'windows';
}

export function hasCapability(agent: Pick<Agent, 'report'> | undefined, capability: string): boolean {
  return agent?.report.capabilities.includes(capability) ?? false;
}

/** "Windows Server 2022 (10.0.20348) · x64": the agent reports its OS version with the OS name in it. */
export function osLine(agent: Pick<Agent, 'report'>): string {
  const r = agent.report;
  const os = r.osVersion.trim() || r.os;
  return r.arch ? `${os} · ${r.arch}` : os;
}

export function shortDate(iso: string | null): string {
  if (!iso) return 'Never';
  const d = new Date(iso);
  // Today: the time is enough; otherwise the short date with it.
  if (d.toDateString() === new Date().toDateString()) return d.toLocaleTimeString(undefined, { timeStyle: 'short' });
  return d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
}

export function stateLabel(state: Agent['state']): string {
  return state === 'online' ? 'Online' : state === 'offline' ? 'Offline' : 'Not tested';
}

export function stateColor(state: Agent['state']): 'success' | 'error' | 'default' {
  return state === 'online' ? 'success' : state === 'offline' ? 'error' : 'default';
}

/** The two downloads: AgentArch and what a person reads. */
export const DOWNLOADS = [
  { arch: 'x64', label: 'Download 64-bit', hint: 'Windows Server 2012 R2 and later, 64-bit (almost every server today).' },
  { arch: 'x86', label: 'Download 32-bit', hint: 'Only for a 32-bit Windows.' },
] as const;

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

/** `iis1.example.com` → `https://iis1.example.com:9443`: the installer prints the full URL, people type less. */
export function completeUrl(input: string): string {
  const t = input.trim();
  if (!t) return t;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(t) ? t : `https://${t}`;
  try {
    const u = new URL(withScheme);
    if (u.protocol === 'https:' && !u.port && !/:\d+(\/|$)/.test(withScheme.replace(/^https:\/\//i, ''))) u.port = String(DEFAULT_AGENT_PORT);
    return u.pathname === '/' && !u.search ? u.origin : u.toString();
  } catch {
    return t;
  }
}

/** A name suggested from the URL's host: `iis1.example.com` → `iis1`. */
export function nameFromUrl(url: string): string {
  try {
    const host = new URL(url).hostname;
    return /^[\d.]+$|^\[/.test(host) ? host : (host.split('.')[0] ?? host);
  } catch {
    return '';
  }
}
