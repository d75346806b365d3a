// The agent's log file: lines on stdout and in the file (mode 0600), one previous file kept when it grows too big.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AgentLog } from '../../electron/agent/log.ts';
import { tempDir } from '../helpers/bed.ts';

describe('agent log', () => {
  it('writes each line to stdout and the file (0600, one line per event), and rolls over to .1 past its size', () => {
    const file = join(tempDir('agent-log'), 'agent.log');
    const printed: string[] = [];
    const log = new AgentLog(file, (l) => printed.push(l), 300);
    log.line('first\nwith a newline');
    assert.equal(printed.length, 1);
    assert.match(printed[0]!, /^\d{4}-\d\d-\d\dT[\d:.]+Z first with a newline\n$/);
    assert.equal(readFileSync(file, 'utf8'), printed[0]);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    for (let i = 0; i < 10; i++) log.line(`line ${i} ${'x'.repeat(40)}`);
    const current = readFileSync(file, 'utf8');
    const previous = readFileSync(`${file}.1`, 'utf8');
    assert.ok(statSync(file).size <= 300 && statSync(`${file}.1`).size <= 300);
    assert.match(current, /line 9 /);
    assert.ok(!previous.includes('line 9 '));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    // Nothing lost between the two files but what rolled off before .1.
    assert.ok((previous + current).includes('line 8 '));
  });
});
