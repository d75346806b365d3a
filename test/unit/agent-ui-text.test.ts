// The Windows agents screens' pure helpers: the agent URL a person types is completed the way the installer prints
// it, a name is suggested from its host, the challenge window names an agent (not an SSH server) for an http-01
// answer, and the OS line shows what the agent reported.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WebrootMapping } from '../../electron/deploy/types.ts';
import { targetAnswerer } from '../../electron/orders/automation.ts';
import { completeUrl, isWindowsAgent, nameFromUrl, osLine } from '../../renderer/src/agents/agentText.ts';

describe('agents UI: URL, name, answerer and OS wording', () => {
  it('completes a bare host to https with the agent port, keeps a given port and scheme', () => {
    assert.equal(completeUrl('iis1.example.com'), 'https://iis1.example.com:9443');
    assert.equal(completeUrl('  iis1.example.com:8443 '), 'https://iis1.example.com:8443');
    assert.equal(completeUrl('https://10.0.0.9:9443/'), 'https://10.0.0.9:9443');
    assert.equal(completeUrl('https://[::1]'), 'https://[::1]:9443');
    assert.equal(completeUrl('https://[::1]:7000'), 'https://[::1]:7000');
    assert.equal(completeUrl('http://iis1:9443'), 'http://iis1:9443', 'another scheme is left for the service to refuse, not rewritten');
    assert.equal(completeUrl(''), '');
  });

  it('suggests the first label of a host name, or the whole address', () => {
    assert.equal(nameFromUrl('https://iis1.example.com:9443'), 'iis1');
    assert.equal(nameFromUrl('https://127.0.0.1:9443'), '127.0.0.1');
    assert.equal(nameFromUrl('https://[::1]:9443'), '[::1]');
    assert.equal(nameFromUrl('not a url'), '');
  });

  it('names an agent that answers http-01 itself, from an IIS site or a directory; an SSH server and a pool as such', () => {
    const m = (targetName: string, targetKind: 'ssh' | 'agent', webroot: string): WebrootMapping => ({ domain: 'example.test', targetId: targetName, targetName, targetKind, webroot });
    assert.deepEqual(targetAnswerer([m('iis1', 'agent', 'agent:self')]), { label: 'agent iis1 (answers itself)', answeredBy: { kind: 'agent', name: 'iis1', webroot: 'agent:self' } });
    assert.equal(targetAnswerer([m('iis1', 'agent', 'iis:Default Web Site')]).label, 'agent iis1 (IIS site Default Web Site)');
    assert.equal(targetAnswerer([m('iis1', 'agent', 'C:\\inetpub\\wwwroot')]).label, 'agent iis1 (webroot C:\\inetpub\\wwwroot)');
    assert.deepEqual(targetAnswerer([m('web1', 'ssh', '/var/www/html')]), { label: 'server web1 (webroot /var/www/html)', answeredBy: { kind: 'ssh', name: 'web1', webroot: '/var/www/html' } });
    // An SSH server named like an agent stays an SSH server: the kind comes from the target, not from its name.
    assert.equal(targetAnswerer([m('iis1', 'ssh', 'agent:self')]).answeredBy.kind, 'ssh');
    assert.deepEqual(targetAnswerer([m('web1', 'ssh', '/srv'), m('iis1', 'agent', 'agent:self')]), { label: 'servers web1, iis1', answeredBy: { kind: 'pool', name: 'web1, iis1', webroot: null } });
  });

  it('shows the OS version the agent reported with its architecture; Windows by the reported os', () => {
    const report = { version: '1.0.0', os: 'windows', osVersion: 'Windows Server 2022 Datacenter (10.0.20348)', arch: 'x64', hostname: 'IIS1', capabilities: ['iis'], challengePort: null, site: null };
    assert.equal(osLine({ report }), 'Windows Server 2022 Datacenter (10.0.20348) · x64');
    assert.equal(osLine({ report: { ...report, osVersion: '', arch: '' } }), 'windows');
    assert.equal(isWindowsAgent({ report }), true);
    assert.equal(isWindowsAgent({ report: { ...report, os: 'linux' } }), false);
    assert.equal(isWindowsAgent(undefined), false);
  });
});
