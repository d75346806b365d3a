// AgentInstaller (electron/agent/installer.ts): the exact WinSW service XML, the exact wrapper commands in order for
// start and stop, the state dir the installer waits in (as the agent reads its config), argument parsing, WinSW's
// status words; and the built bundle on this (non-Windows) system refusing to install and naming the serve command.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import {
  AGENT_FILES,
  defaultConfig,
  defaultStateDir,
  pairingCodeCommand,
  parseInstallerArgs,
  parseServiceStatus,
  serveCommandLine,
  serviceXml,
  startCommands,
  stateDirAclCommand,
  stateDirFromConfig,
  statusCommand,
  stopCommands,
} from '../../electron/agent/installer.ts';
import { AppError } from '../../shared/ipc/errors.ts';
import { tempDir } from '../helpers/bed.ts';

const DIR = 'C:\\Program Files\\Certdesk Agent';
const SERVICE = 'C:\\Program Files\\Certdesk Agent\\certdesk-agent-service.exe';
const STATE = 'C:\\ProgramData\\Certdesk Agent';

describe('AgentInstaller: WinSW service definition', () => {
  it('is exactly this XML (CRLF lines): id, name, the agent exe and its config by absolute path, roll logs in the state dir, restart on failure, automatic start', () => {
    assert.equal(
      serviceXml(DIR, STATE),
      [
        '<service>',
        '  <id>certdesk-agent</id>',
        '  <name>Certdesk Agent</name>',
        '  <description>Answers ACME http-01 challenges and installs certificates for Certdesk (HTTPS, paired, authenticated requests only).</description>',
        '  <executable>C:\\Program Files\\Certdesk Agent\\certdesk-agent.exe</executable>',
        '  <arguments>serve --config &quot;C:\\Program Files\\Certdesk Agent\\certdesk-agent.json&quot;</arguments>',
        '  <workingdirectory>C:\\Program Files\\Certdesk Agent</workingdirectory>',
        '  <logpath>C:\\ProgramData\\Certdesk Agent</logpath>',
        '  <logmode>roll</logmode>',
        '  <onfailure action="restart" delay="10 sec"/>',
        '  <onfailure action="restart" delay="30 sec"/>',
        '  <resetfailure>1 hour</resetfailure>',
        '  <startmode>Automatic</startmode>',
        '  <stoptimeout>15 sec</stoptimeout>',
        '</service>',
        '',
      ].join('\r\n'),
    );
  });

  it('escapes XML metacharacters of the folder (a folder named "R&D <certs>")', () => {
    const xml = serviceXml('D:\\R&D <certs>', 'D:\\R&D <certs>\\state');
    assert.match(xml, /<executable>D:\\R&amp;D &lt;certs&gt;\\certdesk-agent\.exe<\/executable>/);
    assert.match(xml, /<arguments>serve --config &quot;D:\\R&amp;D &lt;certs&gt;\\certdesk-agent\.json&quot;<\/arguments>/);
    assert.match(xml, /<logpath>D:\\R&amp;D &lt;certs&gt;\\state<\/logpath>/);
    assert.doesNotMatch(xml, /R&D|<certs>/);
  });

  it('the wrapper and its XML follow WinSW\'s naming rule (same base name, side by side)', () => {
    assert.equal(AGENT_FILES.service.replace(/\.exe$/, '.xml'), AGENT_FILES.serviceXml);
    assert.equal(`${AGENT_FILES.service}.config`, AGENT_FILES.serviceConfig);
  });
});

describe('AgentInstaller: commands', () => {
  it('start installs, then starts, the wrapper beside it; an installed service is only started', () => {
    assert.deepEqual(
      startCommands(DIR, false).map((c) => [c.file, ...c.args]),
      [
        [SERVICE, 'install'],
        [SERVICE, 'start'],
      ],
    );
    assert.deepEqual(
      startCommands(DIR, true).map((c) => [c.file, ...c.args]),
      [[SERVICE, 'start']],
    );
  });

  it('stop stops, then uninstalls; status asks the wrapper', () => {
    assert.deepEqual(
      stopCommands(DIR).map((c) => [c.file, ...c.args]),
      [
        [SERVICE, 'stop'],
        [SERVICE, 'uninstall'],
      ],
    );
    assert.deepEqual([statusCommand(DIR).file, ...statusCommand(DIR).args], [SERVICE, 'status']);
  });

  it('the state dir (key, pairing secret, service logs) is closed to all but SYSTEM and Administrators, by SID', () => {
    const c = stateDirAclCommand(STATE, { SystemRoot: 'C:\\WINDOWS' });
    assert.deepEqual(
      [c.file, ...c.args],
      ['C:\\WINDOWS\\System32\\icacls.exe', STATE, '/inheritance:r', '/grant:r', '*S-1-5-18:(OI)(CI)F', '/grant:r', '*S-1-5-32-544:(OI)(CI)F', '/T', '/Q'],
    );
    assert.equal(stateDirAclCommand(STATE, {}).file, 'C:\\Windows\\System32\\icacls.exe');
  });

  it('the pairing lines come from the agent itself: certdesk-agent.exe pairing-code --state-dir DIR', () => {
    const c = pairingCodeCommand(DIR, 'C:\\ProgramData\\Certdesk Agent');
    assert.deepEqual([c.file, ...c.args], ['C:\\Program Files\\Certdesk Agent\\certdesk-agent.exe', 'pairing-code', '--state-dir', 'C:\\ProgramData\\Certdesk Agent']);
  });

  it('WinSW 1.x status words', () => {
    assert.equal(parseServiceStatus('Started\r\n'), 'started');
    assert.equal(parseServiceStatus('Stopped\r\n'), 'stopped');
    assert.equal(parseServiceStatus('NonExistent\r\n'), 'absent');
    assert.equal(parseServiceStatus(''), 'unknown');
  });

  it('the foreground command offered where there is no Windows service', () => {
    assert.equal(serveCommandLine(DIR, AGENT_FILES.config, 'win32'), 'C:\\Program Files\\Certdesk Agent\\certdesk-agent.exe serve --config "C:\\Program Files\\Certdesk Agent\\certdesk-agent.json"');
    assert.equal(serveCommandLine('/opt/agent', AGENT_FILES.config, 'linux'), 'node out/agent/certdesk-agent.cjs serve --config "/opt/agent/certdesk-agent.json"');
  });
});

describe('AgentInstaller: state dir and config', () => {
  it('defaults to %ProgramData%\\Certdesk Agent', () => {
    assert.equal(defaultStateDir({ ProgramData: 'D:\\Data' }), 'D:\\Data\\Certdesk Agent');
    assert.equal(defaultStateDir({}), 'C:\\ProgramData\\Certdesk Agent');
    assert.deepEqual(defaultConfig({ ProgramData: 'C:\\ProgramData' }), { listen: '0.0.0.0:9443', stateDir: 'C:\\ProgramData\\Certdesk Agent', challengePort: null, site: null });
  });

  it('reads stateDir from the config as the agent does: absolute as is, relative to the config folder, missing → default', () => {
    const config = `${DIR}\\certdesk-agent.json`;
    assert.equal(stateDirFromConfig('{"stateDir":"E:\\\\agent"}', config, {}), 'E:\\agent');
    assert.equal(stateDirFromConfig('{"stateDir":"state"}', config, {}), `${DIR}\\state`);
    assert.equal(stateDirFromConfig('{"listen":"0.0.0.0:9443"}', config, { ProgramData: 'C:\\PD' }), 'C:\\PD\\Certdesk Agent');
  });

  it('a broken config is an INVALID_INPUT naming the file', () => {
    assert.throws(
      () => stateDirFromConfig('{ nope', 'C:\\a\\certdesk-agent.json', {}),
      (e) => e instanceof AppError && e.code === 'INVALID_INPUT' && e.field === 'config' && e.message.includes('C:\\a\\certdesk-agent.json'),
    );
    assert.throws(() => stateDirFromConfig('{"stateDir": 5}', 'c.json', {}), (e) => e instanceof AppError && e.field === 'stateDir');
  });
});

describe('AgentInstaller: arguments', () => {
  it('start/stop/status, --dir, --version', () => {
    assert.deepEqual(parseInstallerArgs(['start']), { command: 'start', dir: null });
    assert.deepEqual(parseInstallerArgs(['stop', '--dir', 'D:\\x']), { command: 'stop', dir: 'D:\\x' });
    assert.deepEqual(parseInstallerArgs(['--dir=D:\\y', 'status']), { command: 'status', dir: 'D:\\y' });
    assert.equal(parseInstallerArgs(['--version']).command, 'version');
    assert.throws(() => parseInstallerArgs([]), (e) => e instanceof AppError && e.field === 'command');
    assert.throws(() => parseInstallerArgs(['install']), (e) => e instanceof AppError && e.field === 'command' && /install/.test(e.message));
    assert.throws(() => parseInstallerArgs(['start', '--dir']), (e) => e instanceof AppError && e.field === '--dir');
  });
});

describe('AgentInstaller: the built bundle on a system without Windows services', () => {
  const bundle = resolve('out/agent/agent-installer.cjs');

  it('start installs nothing, exits 1 and prints the foreground serve command; --version answers', () => {
    assert.ok(existsSync(bundle), `${bundle} is not built: run node build/build.mjs`);
    const dir = tempDir('agent-installer');
    const r = spawnSync(process.execPath, [bundle, 'start', '--dir', dir], { encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /runs only on Windows/);
    assert.ok(r.stdout.includes(`serve --config "${join(dir, 'certdesk-agent.json')}"`), r.stdout);
    assert.equal(existsSync(join(dir, AGENT_FILES.serviceXml)), false, 'no service XML written off Windows');
    const v = spawnSync(process.execPath, [bundle, '--version'], { encoding: 'utf8' });
    assert.equal(v.status, 0);
    assert.match(v.stdout, /^AgentInstaller \d+\.\d+\.\d+/);
    const bad = spawnSync(process.execPath, [bundle, 'uninstall'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /Unknown command "uninstall"/);
    rmSync(dir, { recursive: true, force: true });
  });
});
