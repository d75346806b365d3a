import { build } from 'esbuild';
const r = await build({ entryPoints: ['electron/cli/main.ts'], bundle: true, write: false, metafile: true, platform: 'node', format: 'cjs', target: 'node20', outfile: '/tmp/x.cjs',
  external: ['electron', '@napi-rs/keyring', 'cpu-features', 'ssh2','cloudflare', '@aws-sdk/client-route-53', '@azure/arm-dns', '@azure/identity','nodemailer', 'node-schedule'], supported: { 'dynamic-import': false }, logLevel:'error',
  inject: ['build/import-meta-url.js'], define: { 'import.meta.url': 'import_meta_url' } });
const ins = r.metafile.inputs;
const starts = process.argv.slice(2);
const heavy = /node_modules\/(acme-client|axios|node-forge|@peculiar\/x509|asn1js|dns-packet|mime-db|tsyringe)\//;
const prev = new Map(); const q = [...starts]; for (const s of starts) prev.set(s, null);
while (q.length) { const f = q.shift(); for (const i of ins[f]?.imports ?? []) { if (i.kind !== 'import-statement' && i.kind !== 'require-call') continue; if (i.external) continue; if (!prev.has(i.path)) { prev.set(i.path, f); q.push(i.path); } } }
const shown = new Set();
for (const f of prev.keys()) { const m = f.match(heavy); if (!m || shown.has(m[1])) continue; shown.add(m[1]); const chain=[]; let c=f; while(c){chain.push(c); c=prev.get(c);} console.log(m[1]+': '+chain.reverse().filter(x=>!x.includes('node_modules')).join(' -> ')); }
