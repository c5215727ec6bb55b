import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { birdNeighborConfig, frrNeighborConfig, type NeighborConfigInput } from '../../src/arbiter/router-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'bxa-cfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const v4: NeighborConfigInput = {
  memberAsn: 65001,
  routerAddress: '192.0.2.130',
  rsAsn: 64999,
  rsAddress: '192.0.2.129',
  rsPort: 12790,
  prefixes: ['203.0.113.0/24', '198.51.100.0/24'],
  name: 'port_1',
};
const v6: NeighborConfigInput = { ...v4, routerAddress: '2001:db8:4a::2', rsAddress: '2001:db8:4a::1', rsPort: 179, prefixes: ['2001:db8:100::/48'] };
const cases: Array<[string, NeighborConfigInput]> = [
  ['IPv4 with prefixes', v4],
  ['IPv6 on port 179', v6],
  ['no registered prefixes, multihop lab', { ...v4, prefixes: [], multihop: true, name: 'lab' }],
];

describe('generated neighbor configuration', () => {
  it.each(cases)('BIRD 2 parses it: %s', (_n, input) => {
    const text = birdNeighborConfig(input);
    const f = join(dir, `bird-${_n.replace(/\W/g, '')}.conf`);
    writeFileSync(f, `router id 192.0.2.130;\n${text}`);
    // bird -p: parse the configuration and exit (the real parser, not a guess)
    execFileSync('bird', ['-p', '-c', f], { stdio: 'pipe' });
    expect(text).toContain(`neighbor ${input.rsAddress}${input.rsPort === 179 ? '' : ` port ${input.rsPort}`} as 64999;`);
    expect(text).toContain('enforce first as off;');
    expect(text).toContain('[(64999, 1, *), (64999, 2, *)]');
    for (const p of input.prefixes) expect(text).toContain(p);
  });

  it.each(cases)('FRR vtysh --dryrun accepts it: %s', (_n, input) => {
    const text = frrNeighborConfig(input);
    const f = join(dir, `frr-${_n.replace(/\W/g, '')}.conf`);
    writeFileSync(f, text);
    execFileSync('vtysh', ['-C', '-f', f], { stdio: 'pipe' });
    expect(text).toContain(`no neighbor ${input.rsAddress} enforce-first-as`);
    expect(text).toContain('permit ^64999:1:[0-9]+$');
    for (const p of input.prefixes) expect(text).toContain(`permit ${p}`);
  });

  it('the dry runs do catch a broken configuration (the checks can fail)', () => {
    const f = join(dir, 'broken.conf');
    writeFileSync(f, frrNeighborConfig(v4).replace('remote-as', 'remote-ass'));
    expect(() => execFileSync('vtysh', ['-C', '-f', f], { stdio: 'pipe' })).toThrow();
    writeFileSync(f, 'router id 192.0.2.130;\n' + birdNeighborConfig(v4).replace('enforce first as off', 'enforce first ass'));
    expect(() => execFileSync('bird', ['-p', '-c', f], { stdio: 'pipe' })).toThrow();
  });
});
