// Wire details of the RFC 2136 client that BIND would accept or silently ignore: opcode, class NONE
// deletions, TSIG placement; and server address parsing. The behaviour against BIND is in
// test/integration/dns-rfc2136.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { buildUpdate, txtChunks } from '../../electron/dns/rfc2136/api.ts';
import { canonicalName, sign, splitTsig } from '../../electron/dns/rfc2136/tsig.ts';
import { formatServer, parentNames, parseServer, parseServerList } from '../../electron/dns/wire.ts';
import { checkFields } from '../../electron/dns/types.ts';
import { descriptor } from '../../electron/dns/rfc2136/descriptor.ts';

describe('DNS UPDATE message', () => {
  it('carries opcode UPDATE, the zone, additions (class IN) and single-value deletions (class NONE, TTL 0)', () => {
    const msg = buildUpdate('example.test', [{ name: '_acme-challenge.example.test', value: 'add-me', ttl: 120 }], [{ name: '_acme-challenge.example.test', value: 'drop-me' }], 4242);
    const d = dnsPacket.decode(msg) as dnsPacket.DecodedPacket & { opcode: string };
    assert.equal(d.id, 4242);
    assert.equal(d.opcode, 'UPDATE');
    assert.deepEqual(d.questions, [{ name: 'example.test', type: 'SOA', class: 'IN' }]);
    assert.equal(d.answers?.length, 0, 'no prerequisites');
    const [add, del] = d.authorities as dnsPacket.TxtAnswer[];
    assert.deepEqual([add!.class, add!.ttl, (add!.data as Buffer[]).map(String)], ['IN', 120, ['add-me']]);
    assert.deepEqual([del!.class as string, del!.ttl, (del!.data as Buffer[]).map(String)], ['UNKNOWN_254', 0, ['drop-me']]);
  });

  it('splits TXT values longer than 255 bytes into character-strings', () => {
    assert.deepEqual(txtChunks('a'.repeat(600)).map((c) => c.length), [255, 255, 90]);
    assert.deepEqual(txtChunks('').map((c) => c.length), [0]);
  });

  it('appends the TSIG record last, raises ARCOUNT, and can be split off again', () => {
    const msg = buildUpdate('example.test', [{ name: 'a.example.test', value: 'v', ttl: 60 }], [], 7);
    const key = { name: 'Certdesk-Key.', algorithm: 'hmac-sha512' as const, secret: Buffer.alloc(64, 3).toString('base64') };
    const s = sign(msg, key, 1_800_000_000);
    assert.equal(s.mac.length, 64);
    assert.equal(s.message.readUInt16BE(10), 1);
    const split = splitTsig(s.message)!;
    assert.deepEqual(split.unsigned, msg);
    assert.equal(split.tsig.keyName, 'certdesk-key');
    assert.equal(split.tsig.algorithm, 'hmac-sha512');
    assert.equal(split.tsig.timeSigned, 1_800_000_000);
    assert.equal(split.tsig.fudge, 300);
    assert.equal(split.tsig.originalId, 7);
    assert.deepEqual(split.tsig.mac, s.mac);
    assert.equal(splitTsig(msg), null, 'an unsigned message has no TSIG');
    assert.deepEqual(canonicalName('A.Example.'), Buffer.from([1, 0x61, 7, ...Buffer.from('example'), 0]));
  });
});

describe('DNS server addresses and names', () => {
  it('parses host, host:port, [v6]:port, bare v6, and lists', () => {
    assert.deepEqual(parseServer('ns1.example.com'), { host: 'ns1.example.com', port: 53 });
    assert.deepEqual(parseServer('127.0.0.1:5353'), { host: '127.0.0.1', port: 5353 });
    assert.deepEqual(parseServer('[2001:db8::1]:53'), { host: '2001:db8::1', port: 53 });
    assert.deepEqual(parseServer('2001:db8::1'), { host: '2001:db8::1', port: 53 });
    assert.equal(formatServer({ host: '2001:db8::1', port: 53 }), '[2001:db8::1]:53');
    assert.throws(() => parseServer('udp://x:53'), /not a DNS server/);
    assert.throws(() => parseServer('x:99999'), /port must be/);
    assert.deepEqual(parseServerList('a:1, b'), [{ host: 'a', port: 1 }, { host: 'b', port: 53 }]);
    assert.deepEqual(parentNames('_acme-challenge.www.example.com.'), ['_acme-challenge.www.example.com', 'www.example.com', 'example.com', 'com']);
  });

  it('the RFC 2136 descriptor defaults satisfy its own field checks', () => {
    assert.deepEqual(checkFields(descriptor.fields, { server: 'ns1.example.com', keyName: 'k', keySecret: 'c2VjcmV0' }), []);
  });
});
