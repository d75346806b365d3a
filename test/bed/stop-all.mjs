#!/usr/bin/env node
// Kill test-bed processes (and test process groups) left over in test/.bed by an interrupted run.
//   node test/bed/stop-all.mjs [workDir]     (default: $CERTDESK_BED_DIR or test/.bed)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopAll } from './util.mjs';

const defaultDir = fileURLToPath(new URL('../.bed', import.meta.url));
const workDir = path.resolve(process.argv[2] ?? process.env.CERTDESK_BED_DIR ?? defaultDir);
const killed = [...(await stopAll(workDir)), ...(await stopAll(path.join(workDir, 'no-bed')))];
console.log(
  killed.length
    ? `stop-all: killed ${killed.map((k) => `${k.name}(${k.pid})`).join(' ')}`
    : `stop-all: nothing left running from ${workDir}`,
);
