// The PowerShell a Windows agent runs for IIS: exact script text and environment for deploy and restore (with and
// without an SNI host name, a site name with quotes and non-ASCII letters), the password only in the environment,
// and the way it is run (powershell.exe flags, script on stdin) checked with a stand-in powershell.exe on PATH.
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ERROR_PREFIX as ERROR_PREFIX_FOR_TEST, iisDeployCommand, iisPhysicalPathCommand, iisRestoreCommand, parseResult, psQuote, psString, POWERSHELL_ARGS, RESULT_PREFIX as RESULT_PREFIX_FOR_TEST, resolveIisPath, runPowerShell } from '../../electron/agent/iis.ts';
import { icaclsArgs, parseWhoamiSid } from '../../electron/agent/state.ts';
import { AppError } from '../../shared/ipc/errors.ts';
import { tempDir } from '../helpers/bed.ts';

const PASSWORD = `s3cr'et "pw" $env:X`;
const PFX = Buffer.from('not really a pfx, but base64 all the same').toString('base64');
const THUMB = 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678';
const PREV = '0123456789ABCDEF0123456789ABCDEF01234567';

const lines = (script: string) => script.split('\r\n');

const DEPLOY_SNI = [
  '& {',
  "$ErrorActionPreference = 'Stop'",
  'try {',
  "  $site = 'Bob''s Shop'",
  "  $hostName = 'www.example.com'",
  '  $port = 8443',
  '  $sslFlags = 1',
  '  Import-Module WebAdministration',
  "  if (-not (Get-ChildItem 'IIS:\\Sites' | Where-Object { $_.Name -eq $site })) { throw \"There is no IIS site named '$site'.\" }",
  "  $pfxPath = Join-Path ([System.IO.Path]::GetTempPath()) ('certdesk-' + [guid]::NewGuid().ToString('N') + '.pfx')",
  '  try {',
  `    [System.IO.File]::WriteAllBytes($pfxPath, [System.Convert]::FromBase64String('${PFX}'))`,
  '    $imported = Import-PfxCertificate -FilePath $pfxPath -CertStoreLocation Cert:\\LocalMachine\\My -Password (ConvertTo-SecureString -String $env:CERTDESK_PFX_PASSWORD -AsPlainText -Force) -Exportable:$false',
  '  } finally {',
  '    Remove-Item -LiteralPath $pfxPath -Force -ErrorAction SilentlyContinue',
  '  }',
  '  $cert = @($imported | Where-Object { $_.HasPrivateKey })[0]',
  "  if (-not $cert) { throw 'The PFX holds no certificate with its private key.' }",
  '  $thumb = $cert.Thumbprint',
  "  $select = { @(Get-WebBinding -Name $site -Protocol https | Where-Object { $_.bindingInformation -match '^(.*):(\\d+):([^:]*)$' -and ($hostName -eq '' -or ($Matches[3] -eq $hostName -and [int]$Matches[2] -eq $port)) }) }",
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
  '  $result = [ordered]@{ site = $site; previousThumbprint = $previous; thumbprint = $thumb; hostname = $(if ($hostName) { $hostName } else { $null }); port = $boundPort }',
  "  Write-Output ('CERTDESK-RESULT ' + ($result | ConvertTo-Json -Compress))",
  '} catch {',
  "  Write-Output ('CERTDESK-ERROR ' + $_.Exception.Message)",
  '  exit 1',
  '}',
  '}',
  '',
  '',
];

describe('IIS PowerShell (deploy)', () => {
  it('imports into LocalMachine\\My and binds with SNI for a host name: exact text, password only in the environment', () => {
    const cmd = iisDeployCommand({ pfx: PFX, password: PASSWORD, site: "Bob's Shop", hostname: 'WWW.Example.com', port: 8443 });
    assert.deepEqual(lines(cmd.script), DEPLOY_SNI);
    assert.deepEqual(cmd.env, { CERTDESK_PFX_PASSWORD: PASSWORD });
    assert.ok(!cmd.script.includes(PASSWORD) && !cmd.script.includes('s3cr'), 'the password is not in the script');
    assert.ok(cmd.script.endsWith('}\r\n\r\n'), 'two empty lines end the block for -Command -');
    assert.ok(/^[\x20-\x7e\r\n]*$/.test(cmd.script), 'plain ASCII');
  });

  it('without a host name: the site\'s https bindings (any host), a new one on the port without SNI when there is none', () => {
    const cmd = iisDeployCommand({ pfx: PFX, password: 'pw', site: "Bob's Shop" });
    const expected = [...DEPLOY_SNI];
    expected[4] = "  $hostName = ''";
    expected[5] = '  $port = 443';
    expected[6] = '  $sslFlags = 0';
    assert.deepEqual(lines(cmd.script), expected);
    assert.deepEqual(cmd.env, { CERTDESK_PFX_PASSWORD: 'pw' });
  });

  it('quotes site names: a quote cannot end the string, typographic quotes and non-ASCII letters are safe', () => {
    assert.equal(psQuote("x'; Remove-Item C:\\ -Recurse; '"), "'x''; Remove-Item C:\\ -Recurse; '''");
    assert.equal(psString("Bob's"), "'Bob''s'");
    assert.equal(psString('Café Ü'), "(-join ('Caf', [char]0x00E9, ' ', [char]0x00DC))");
    assert.equal(psString('x\u2019y'), "(-join ('x', [char]0x2019, 'y'))");
    const cmd = iisDeployCommand({ pfx: PFX, password: 'pw', site: "Café's" });
    assert.equal(lines(cmd.script)[3], "  $site = (-join ('Caf', [char]0x00E9, '''s'))");
  });

  it('refuses inputs it cannot embed safely', () => {
    const bad = (f: () => unknown, field: string) =>
      assert.throws(f, (e: unknown) => e instanceof AppError && e.code === 'INVALID_INPUT' && e.field === field);
    bad(() => iisDeployCommand({ pfx: PFX, password: 'pw', site: 'a\nb' }), 'site');
    bad(() => iisDeployCommand({ pfx: PFX, password: 'pw', site: ' ' }), 'site');
    bad(() => iisDeployCommand({ pfx: PFX, password: 'pw', site: 's', hostname: "www.example.com'; x" }), 'hostname');
    bad(() => iisDeployCommand({ pfx: PFX, password: 'pw', site: 's', port: 70000 }), 'port');
    bad(() => iisDeployCommand({ pfx: "AAAA'); evil('", password: 'pw', site: 's' }), 'pfx');
    bad(() => iisRestoreCommand({ site: 's', previousThumbprint: null, thumbprint: "'; evil; '", hostname: null, port: 443 }), 'receipt.thumbprint');
    bad(() => iisRestoreCommand({ site: 's', previousThumbprint: 'xyz', thumbprint: THUMB, hostname: null, port: 443 }), 'receipt.previousThumbprint');
  });
});

describe('IIS PowerShell (restore)', () => {
  const tail = [
    "  $select = { @(Get-WebBinding -Name $site -Protocol https | Where-Object { $_.bindingInformation -match '^(.*):(\\d+):([^:]*)$' -and ($hostName -eq '' -or ($Matches[3] -eq $hostName -and [int]$Matches[2] -eq $port)) }) }",
    '  $bindings = @(& $select | Where-Object { $_.certificateHash -eq $thumb })',
    '  foreach ($b in $bindings) {',
    '    $b.RemoveSslCertificate()',
    '    if ($previous) {',
    "      $b.AddSslCertificate($previous, 'My')",
    '    } else {',
    '      Remove-WebBinding -Name $site -Protocol https -BindingInformation $b.bindingInformation',
    '    }',
    '  }',
    "  Write-Output ('CERTDESK-RESULT ' + (@{ restored = $bindings.Count } | ConvertTo-Json -Compress))",
    '} catch {',
    "  Write-Output ('CERTDESK-ERROR ' + $_.Exception.Message)",
    '  exit 1',
    '}',
    '}',
    '',
    '',
  ];

  it('rebinds the previous thumbprint on the SNI binding', () => {
    const cmd = iisRestoreCommand({ site: "Bob's Shop", previousThumbprint: PREV.toLowerCase(), thumbprint: THUMB, hostname: 'www.example.com', port: 443 });
    assert.deepEqual(lines(cmd.script), [
      '& {',
      "$ErrorActionPreference = 'Stop'",
      'try {',
      "  $site = 'Bob''s Shop'",
      "  $hostName = 'www.example.com'",
      '  $port = 443',
      `  $thumb = '${THUMB}'`,
      `  $previous = '${PREV}'`,
      '  Import-Module WebAdministration',
      ...tail,
    ]);
    assert.deepEqual(cmd.env, {});
  });

  it('removes the binding deploy created when there was no previous certificate', () => {
    const cmd = iisRestoreCommand({ site: 'Default Web Site', previousThumbprint: null, thumbprint: THUMB, hostname: null, port: 443 });
    assert.deepEqual(lines(cmd.script).slice(0, 9), [
      '& {',
      "$ErrorActionPreference = 'Stop'",
      'try {',
      "  $site = 'Default Web Site'",
      "  $hostName = ''",
      '  $port = 443',
      `  $thumb = '${THUMB}'`,
      "  $previous = ''",
      '  Import-Module WebAdministration',
    ]);
    assert.deepEqual(lines(cmd.script).slice(9), tail);
  });
});

describe('running PowerShell', () => {
  it('powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command -, script on stdin, password in the environment', async () => {
    assert.deepEqual([...POWERSHELL_ARGS], ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', '-']);
    // A stand-in powershell.exe on PATH records what it was given and answers like the real script does.
    const dir = tempDir('fake-ps');
    writeFileSync(
      join(dir, 'powershell.exe'),
      `#!/bin/sh\nprintf '%s\\n' "$@" > "${dir}/args"\nprintf '%s' "$CERTDESK_PFX_PASSWORD" > "${dir}/password"\ncat > "${dir}/stdin"\necho 'CERTDESK-RESULT {"site":"s","previousThumbprint":"","thumbprint":"${THUMB}","hostname":null,"port":443}'\n`,
    );
    chmodSync(join(dir, 'powershell.exe'), 0o755);
    const savedPath = process.env.PATH;
    process.env.PATH = `${dir}:${savedPath}`;
    try {
      const cmd = iisDeployCommand({ pfx: PFX, password: PASSWORD, site: 's' });
      const run = await runPowerShell(cmd);
      assert.equal(run.exitCode, 0);
      assert.equal(readFileSync(join(dir, 'args'), 'utf8'), `${POWERSHELL_ARGS.join('\n')}\n`);
      assert.equal(readFileSync(join(dir, 'stdin'), 'utf8'), cmd.script);
      assert.equal(readFileSync(join(dir, 'password'), 'utf8'), PASSWORD);
      assert.deepEqual(parseResult(run, 'deploy'), { site: 's', previousThumbprint: '', thumbprint: THUMB, hostname: null, port: 443 });
      assert.equal(process.env.CERTDESK_PFX_PASSWORD, undefined, 'the password is set for the child only');
    } finally {
      process.env.PATH = savedPath;
    }
  });

  it('turns a PowerShell failure into DEPLOY_FAILED with its message', () => {
    assert.throws(
      () => parseResult({ exitCode: 1, output: "WARNING: x\r\nCERTDESK-ERROR Cannot find a site named 'Shop'.\r\n" }, 'Binding the certificate'),
      (e: unknown) => e instanceof AppError && e.code === 'DEPLOY_FAILED' && e.message === "Binding the certificate failed: Cannot find a site named 'Shop'.",
    );
    assert.throws(() => parseResult({ exitCode: 0, output: 'no result line' }, 'x'), (e: unknown) => e instanceof AppError && /no result line/.test(e.message));
  });
});

describe('a webroot that names an IIS site (iis:<site>)', () => {
  it('asks IIS for the site\'s physical path with this exact script, environment variables expanded', () => {
    const cmd = iisPhysicalPathCommand("Bob's Shop");
    assert.deepEqual(lines(cmd.script), [
      '& {',
      "$ErrorActionPreference = 'Stop'",
      'try {',
      "  $site = 'Bob''s Shop'",
      '  Import-Module WebAdministration',
      "  $item = Get-Item -LiteralPath ('IIS:\\Sites\\' + $site)",
      '  $path = [Environment]::ExpandEnvironmentVariables($item.physicalPath)',
      `  Write-Output ('${RESULT_PREFIX_FOR_TEST}' + (@{ path = $path } | ConvertTo-Json -Compress))`,
      '} catch {',
      `  Write-Output ('${ERROR_PREFIX_FOR_TEST}' + $_.Exception.Message)`,
      '  exit 1',
      '}',
      '}',
      '',
      '',
    ]);
    assert.deepEqual(cmd.env, {});
  });

  it('turns iis:<site>/.well-known/… into the physical path + the rest, with Windows separators; other paths pass', async () => {
    const scripts: string[] = [];
    const run = async (c: { script: string }) => {
      scripts.push(c.script);
      return { exitCode: 0, output: `${RESULT_PREFIX_FOR_TEST}{"path":"C:\\\\inetpub\\\\shop\\\\"}\r\n` };
    };
    assert.equal(await resolveIisPath('iis:Shop Site/.well-known/acme-challenge/tok', run), 'C:\\inetpub\\shop\\.well-known\\acme-challenge\\tok');
    assert.equal(await resolveIisPath('iis:Shop Site', run), 'C:\\inetpub\\shop', 'the site folder itself (the writable check)');
    assert.equal(scripts.length, 1, 'resolved once, then from the cache');
    assert.ok(scripts[0]!.includes("$site = 'Shop Site'"));
    assert.equal(await resolveIisPath('/var/www/html/x', run), '/var/www/html/x');
    assert.equal(scripts.length, 1);
  });

  it('a site IIS does not know: DEPLOY_FAILED with PowerShell\'s message', async () => {
    const run = async () => ({ exitCode: 1, output: `${ERROR_PREFIX_FOR_TEST}Cannot find path 'IIS:\\Sites\\Nope' because it does not exist.\r\n` });
    await assert.rejects(resolveIisPath('iis:Nope/x', run), (e: AppError) => e.code === 'DEPLOY_FAILED' && e.message.includes('IIS site Nope') && e.message.includes('does not exist'));
  });

  it('on an agent that is not Windows: a clear INVALID_INPUT naming the webroot', async () => {
    if (process.platform === 'win32') return;
    await assert.rejects(resolveIisPath('iis:Other/x'), (e: AppError) => e.code === 'INVALID_INPUT' && e.field === 'webroot' && e.message.includes('IIS site'));
  });
});

describe('the state directory on Windows', () => {
  it('icacls drops inherited access and grants SYSTEM, Administrators and the agent\'s own account (by SID)', () => {
    assert.deepEqual(icaclsArgs('C:\\ProgramData\\Certdesk Agent', 'S-1-5-21-1-2-3-1001'), [
      'C:\\ProgramData\\Certdesk Agent',
      '/inheritance:r',
      '/grant:r',
      '*S-1-5-18:(OI)(CI)F',
      '*S-1-5-32-544:(OI)(CI)F',
      '*S-1-5-21-1-2-3-1001:(OI)(CI)F',
      '/Q',
    ]);
    assert.deepEqual(icaclsArgs('D:\\a', 'S-1-5-18').filter((a) => a.startsWith('*')), ['*S-1-5-18:(OI)(CI)F', '*S-1-5-32-544:(OI)(CI)F'], 'LocalSystem is not granted twice');
    assert.deepEqual(icaclsArgs('D:\\a', null).filter((a) => a.startsWith('*')), ['*S-1-5-18:(OI)(CI)F', '*S-1-5-32-544:(OI)(CI)F']);
  });

  it('reads the SID from whoami /user /fo csv /nh', () => {
    assert.equal(parseWhoamiSid('"nt authority\\system","S-1-5-18"\r\n'), 'S-1-5-18');
    assert.equal(parseWhoamiSid('"web1\\admin","S-1-5-21-3623811015-3361044348-30300820-1013"\r\n'), 'S-1-5-21-3623811015-3361044348-30300820-1013');
    assert.equal(parseWhoamiSid('ERROR: something'), null);
  });
});
