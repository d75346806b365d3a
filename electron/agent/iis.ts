// IIS deployment on a Windows agent: the PowerShell that imports a PFX into LocalMachine\My
// (Import-PfxCertificate) and binds it to a site's https binding (WebAdministration), and the PowerShell that puts
// the previous certificate back. The scripts are made by pure functions (tests check their exact text) and run
// with `powershell.exe ... -Command -`, the script on stdin: the PFX password travels in the environment
// (CERTDESK_PFX_PASSWORD), never on a command line or in the script. Values are embedded as single-quoted
// PowerShell strings ('' escapes a quote; PowerShell also treats the typographic single quotes as quotes).
// `-Command -` reads stdin like typed input, statement by statement: the script is one `& { ... }` block followed
// by two empty lines, so that it runs as a whole and $ErrorActionPreference = 'Stop' holds throughout.
import { spawn } from 'node:child_process';
import { AppError } from '../../shared/ipc/errors.ts';
import type { IisDeployRequest, IisReceipt } from './protocol.ts';

export const POWERSHELL = 'powershell.exe';
export const POWERSHELL_ARGS = ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', '-'] as const;
export const PASSWORD_ENV = 'CERTDESK_PFX_PASSWORD';
export const RESULT_PREFIX = 'CERTDESK-RESULT ';
export const ERROR_PREFIX = 'CERTDESK-ERROR ';
const IIS_TIMEOUT_MS = 120_000;

export interface PsCommand {
  script: string;
  /** Added to the agent's environment for this one process. */
  env: Record<string, string>;
}

/** A PowerShell single-quoted string literal. */
export function psQuote(s: string): string {
  return `'${s.replace(/['\u2018\u2019\u201A\u201B]/g, (q) => q + q)}'`;
}

/**
 * A PowerShell string expression in plain ASCII: powershell.exe decodes stdin with the console's code page, so
 * characters outside ASCII are written as [char] codes (UTF-16 units): `Café` → `(-join ('Caf', [char]0x00E9))`.
 */
export function psString(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) return psQuote(s);
  const parts: string[] = [];
  let ascii = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) ascii += s[i];
    else {
      if (ascii) parts.push(psQuote(ascii));
      ascii = '';
      parts.push(`[char]0x${c.toString(16).toUpperCase().padStart(4, '0')}`);
    }
  }
  if (ascii) parts.push(psQuote(ascii));
  return `(-join (${parts.join(', ')}))`;
}

const THUMBPRINT_RE = /^[0-9A-Fa-f]{40}$/;
const HOSTNAME_RE = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

function checkSite(site: string): void {
  if (!site.trim() || site.length > 260 || [...site].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
    throw AppError.invalid('site', `"${site}" is not an IIS site name.`, 'Use the name IIS Manager shows, e.g. Default Web Site.');
  }
}

function checkHostname(hostname: string | null): void {
  if (hostname !== null && (!HOSTNAME_RE.test(hostname) || hostname.length > 253)) {
    throw AppError.invalid('hostname', `"${hostname}" is not a host name for an SNI binding.`, 'Use e.g. www.example.com, or leave it empty to use the site\'s https bindings.');
  }
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw AppError.invalid('port', `${port} is not a TCP port.`, 'Use 443 or another port from 1 to 65535.');
}

// Selects the site's https bindings: with a host name, the one for that host name and port; without, all of them.
// bindingInformation is `IP:port:host` (IPv6 addresses in brackets), so the last two fields are split off by a regex.
const SELECT_BINDINGS = [
  "  $select = { @(Get-WebBinding -Name $site -Protocol https | Where-Object { $_.bindingInformation -match '^(.*):(\\d+):([^:]*)$' -and ($hostName -eq '' -or ($Matches[3] -eq $hostName -and [int]$Matches[2] -eq $port)) }) }",
];

function header(vars: string[]): string[] {
  return ['& {', "$ErrorActionPreference = 'Stop'", 'try {', ...vars.map((v) => `  ${v}`), '  Import-Module WebAdministration'];
}

function footer(): string[] {
  return ['} catch {', `  Write-Output (${psQuote(ERROR_PREFIX)} + $_.Exception.Message)`, '  exit 1', '}', '}', '', ''];
}

/** The import-and-bind script and its environment. The password is only in the environment. */
export function iisDeployCommand(req: { pfx: string; password: string; site: string; hostname?: string | null; port?: number }): PsCommand {
  const hostname = req.hostname ? req.hostname.toLowerCase() : null;
  const port = req.port ?? 443;
  checkSite(req.site);
  checkHostname(hostname);
  checkPort(port);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(req.pfx)) throw AppError.invalid('pfx', 'The PFX is not base64.', 'Send the PKCS#12 file as base64.');
  const lines = [
    ...header([`$site = ${psString(req.site)}`, `$hostName = ${psQuote(hostname ?? '')}`, `$port = ${port}`, `$sslFlags = ${hostname ? 1 : 0}`]),
    "  if (-not (Get-ChildItem 'IIS:\\Sites' | Where-Object { $_.Name -eq $site })) { throw \"There is no IIS site named '$site'.\" }",
    "  $pfxPath = Join-Path ([System.IO.Path]::GetTempPath()) ('certdesk-' + [guid]::NewGuid().ToString('N') + '.pfx')",
    '  try {',
    `    [System.IO.File]::WriteAllBytes($pfxPath, [System.Convert]::FromBase64String(${psQuote(req.pfx)}))`,
    `    $imported = Import-PfxCertificate -FilePath $pfxPath -CertStoreLocation Cert:\\LocalMachine\\My -Password (ConvertTo-SecureString -String $env:${PASSWORD_ENV} -AsPlainText -Force) -Exportable:$false`,
    '  } finally {',
    '    Remove-Item -LiteralPath $pfxPath -Force -ErrorAction SilentlyContinue',
    '  }',
    '  $cert = @($imported | Where-Object { $_.HasPrivateKey })[0]',
    "  if (-not $cert) { throw 'The PFX holds no certificate with its private key.' }",
    '  $thumb = $cert.Thumbprint',
    ...SELECT_BINDINGS,
    '  $bindings = @(& $select)',
    '  $previous = $null',
    '  if ($bindings.Count -eq 0) {',
    "    New-WebBinding -Name $site -Protocol https -IPAddress '*' -Port $port -HostHeader $hostName -SslFlags $sslFlags",
    '    $bindings = @(& $select)',
    '  } elseif ($bindings[0].certificateHash) {',
    '    $previous = $bindings[0].certificateHash',
    '  }',
    '  foreach ($b in $bindings) {',
    '    $old = $b.certificateHash',
    '    if ($old) { $b.RemoveSslCertificate() }',
    '    try {',
    "      $b.AddSslCertificate($thumb, 'My')",
    '    } catch {',
    "      if ($old) { $b.AddSslCertificate($old, 'My') }",
    '      throw',
    '    }',
    '  }',
    "  $boundPort = if ($bindings.Count -gt 0 -and $bindings[0].bindingInformation -match ':(\\d+):[^:]*$') { [int]$Matches[1] } else { $port }",
    "  $result = [ordered]@{ site = $site; previousThumbprint = $previous; thumbprint = $thumb; hostname = $(if ($hostName) { $hostName } else { $null }); port = $boundPort }",
    `  Write-Output (${psQuote(RESULT_PREFIX)} + ($result | ConvertTo-Json -Compress))`,
    ...footer(),
  ];
  return { script: lines.join('\r\n'), env: { [PASSWORD_ENV]: req.password } };
}

/** The script that rebinds the previous certificate (or removes the binding deploy created when there was none). */
export function iisRestoreCommand(receipt: IisReceipt): PsCommand {
  checkSite(receipt.site);
  checkHostname(receipt.hostname);
  checkPort(receipt.port);
  if (!THUMBPRINT_RE.test(receipt.thumbprint)) throw AppError.invalid('receipt.thumbprint', 'The thumbprint is not 40 hex digits.', 'Send the receipt exactly as deploy returned it.');
  if (receipt.previousThumbprint !== null && !THUMBPRINT_RE.test(receipt.previousThumbprint)) {
    throw AppError.invalid('receipt.previousThumbprint', 'The previous thumbprint is not 40 hex digits.', 'Send the receipt exactly as deploy returned it.');
  }
  const lines = [
    ...header([
      `$site = ${psString(receipt.site)}`,
      `$hostName = ${psQuote(receipt.hostname ?? '')}`,
      `$port = ${receipt.port}`,
      `$thumb = ${psQuote(receipt.thumbprint.toUpperCase())}`,
      `$previous = ${psQuote((receipt.previousThumbprint ?? '').toUpperCase())}`,
    ]),
    ...SELECT_BINDINGS,
    '  $bindings = @(& $select | Where-Object { $_.certificateHash -eq $thumb })',
    '  foreach ($b in $bindings) {',
    '    $b.RemoveSslCertificate()',
    '    if ($previous) {',
    "      $b.AddSslCertificate($previous, 'My')",
    '    } else {',
    '      Remove-WebBinding -Name $site -Protocol https -BindingInformation $b.bindingInformation',
    '    }',
    '  }',
    `  Write-Output (${psQuote(RESULT_PREFIX)} + (@{ restored = $bindings.Count } | ConvertTo-Json -Compress))`,
    ...footer(),
  ];
  return { script: lines.join('\r\n'), env: {} };
}

/** Runs a script with powershell.exe, script on stdin; the output of both streams and the exit code. */
export function runPowerShell(cmd: PsCommand, timeoutMs = IIS_TIMEOUT_MS): Promise<{ exitCode: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(POWERSHELL, [...POWERSHELL_ARGS], { env: { ...process.env, ...cmd.env }, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    let output = '';
    const add = (b: Buffer): void => {
      output = (output + b.toString('utf8')).slice(-64 * 1024);
    };
    child.stdout.on('data', add);
    child.stderr.on('data', add);
    const timer = setTimeout(() => child.kill(), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new AppError('DEPLOY_FAILED', `The agent could not start ${POWERSHELL}: ${err.message}.`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code, output });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(cmd.script);
  });
}

/** The JSON after RESULT_PREFIX, or DEPLOY_FAILED with PowerShell's own message. */
export function parseResult<T>(run: { exitCode: number | null; output: string }, what: string): T {
  const lines = run.output.split(/\r?\n/);
  const result = lines.find((l) => l.startsWith(RESULT_PREFIX));
  if (run.exitCode === 0 && result) {
    try {
      return JSON.parse(result.slice(RESULT_PREFIX.length)) as T;
    } catch {
      /* fall through */
    }
  }
  const error = lines.find((l) => l.startsWith(ERROR_PREFIX))?.slice(ERROR_PREFIX.length).trim().replace(/\.+$/, '');
  const tail = run.output.trim().split(/\r?\n/).slice(-5).join(' ').slice(-500);
  throw new AppError('DEPLOY_FAILED', `${what} failed: ${error || tail || `PowerShell exited with ${run.exitCode}`}.`, {
    hint: 'Check that the agent runs as an administrator (LocalSystem) and that IIS and its WebAdministration module are installed.',
  });
}

function needWindows(): void {
  if (process.platform !== 'win32') {
    throw new AppError('INVALID_INPUT', `IIS deployment needs a Windows agent; this agent runs on ${process.platform}.`, {
      hint: 'Deploy PEM/PFX files with a reload command to this agent instead.',
    });
  }
}

export async function iisDeploy(req: IisDeployRequest): Promise<IisReceipt> {
  needWindows();
  const cmd = iisDeployCommand(req);
  const r = parseResult<IisReceipt>(await runPowerShell(cmd), `Binding the certificate to the IIS site ${req.site}`);
  return { site: r.site, previousThumbprint: r.previousThumbprint || null, thumbprint: r.thumbprint, hostname: r.hostname || null, port: Number(r.port) };
}

export async function iisRestore(receipt: IisReceipt): Promise<{ restored: number }> {
  needWindows();
  return parseResult<{ restored: number }>(await runPowerShell(iisRestoreCommand(receipt)), `Restoring the previous certificate of the IIS site ${receipt.site}`);
}

/**
 * The physical path of an IIS site (a mapping's webroot `iis:<site>`): `Get-Item IIS:\Sites\<site>` gives
 * physicalPath, which may hold environment variables (`%SystemDrive%\inetpub\wwwroot`), expanded here.
 */
export function iisPhysicalPathCommand(site: string): PsCommand {
  checkSite(site);
  const lines = [
    ...header([`$site = ${psString(site)}`]),
    "  $item = Get-Item -LiteralPath ('IIS:\\Sites\\' + $site)",
    '  $path = [Environment]::ExpandEnvironmentVariables($item.physicalPath)',
    `  Write-Output (${psQuote(RESULT_PREFIX)} + (@{ path = $path } | ConvertTo-Json -Compress))`,
    ...footer(),
  ];
  return { script: lines.join('\r\n'), env: {} };
}

const physicalPaths = new Map<string, { path: string; at: number }>();

/**
 * Turns a path under `iis:<site>/…` (what Certdesk sends for a mapping whose webroot is an IIS site) into the
 * site's physical path + the rest; any other path is returned as it is. Resolved once a minute per site.
 */
export async function resolveIisPath(path: string, run?: (cmd: PsCommand) => Promise<{ exitCode: number | null; output: string }>): Promise<string> {
  if (!path.startsWith('iis:')) return path;
  const rest = path.slice(4);
  const cut = rest.search(/[\\/]/);
  const site = cut < 0 ? rest : rest.slice(0, cut);
  const tail = cut < 0 ? '' : rest.slice(cut);
  const cached = physicalPaths.get(site);
  let base = cached && Date.now() - cached.at < 60_000 ? cached.path : null;
  if (base === null) {
    if (!run) {
      if (process.platform !== 'win32') {
        throw new AppError('INVALID_INPUT', `The webroot iis:${site} names an IIS site, and this agent runs on ${process.platform}.`, { field: 'webroot', hint: 'Map the domain with the webroot directory instead.' });
      }
      run = (c) => runPowerShell(c);
    }
    base = parseResult<{ path: string }>(await run(iisPhysicalPathCommand(site)), `Finding the folder of the IIS site ${site}`).path;
    if (!base) throw AppError.invalid('webroot', `The IIS site ${site} has no physical path.`);
    physicalPaths.set(site, { path: base, at: Date.now() });
  }
  const sep = /^[A-Za-z]:\\/.test(base) ? '\\' : '/';
  return base.replace(/[\\/]+$/, '') + tail.replace(/[\\/]/g, sep);
}
