// Independent check of the captured fixtures: every OPEN, UPDATE and ROUTE-REFRESH is decoded by
// `exabgp CONF --decode HEX` with a config matching the capture scenario (2: no 4-octet ASN,
// 3: add-path). Prints one decoded line per message to test/bgp/fixtures/decoded/<file>.txt and
// fails if ExaBGP reports an error. Run: npx tsx test/bgp/harness/verify-fixtures.ts
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, makeTempDir, removeDir } from './proc.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

function conf(scenario: number): string {
  const caps = scenario === 2 ? 'asn4 disable;' : scenario === 3 ? 'add-path send/receive;' : '';
  return `neighbor 127.0.1.2 {
  router-id 127.0.1.1; local-address 127.0.1.1; local-as 65001; peer-as 65002;
  ${caps ? `capability { ${caps} }` : ''}
  family { ipv4 unicast; ipv6 unicast; }
}
`;
}

async function decode(confFile: string, hex: string): Promise<string> {
  const r = await run('exabgp', [confFile, '--decode', hex], 30_000);
  const out = r.stdout + r.stderr;
  const lines = out.split('\n').filter((l) => /decoded|parser/.test(l) && !/update json/.test(l));
  if (/Traceback|error|could not|invalid/i.test(out.replace(/configuration.*$/gm, ''))) throw new Error(`exabgp could not decode ${hex.slice(0, 80)}…:\n${out.slice(-1500)}`);
  return lines.map((l) => l.replace(/^.*\|\s*parser\s*\|\s*/, '')).join(' / ');
}

async function main(): Promise<void> {
  const dir = makeTempDir('verify');
  const confs = [1, 2, 3].map((n) => {
    const f = join(dir, `s${n}.conf`);
    writeFileSync(f, conf(n));
    return f;
  });
  process.env.exabgp_api_cli = 'false';
  process.env.exabgp_daemon_user = 'root';
  process.env.exabgp_daemon_drop = 'false';
  mkdirSync(join(FIXTURES, 'decoded'), { recursive: true });
  const files = readdirSync(FIXTURES).filter((f) => /-(open|update|route-refresh)\.hex$/.test(f));
  let failed = 0;
  const jobs = files.map((f) => async () => {
    const n = Number(/-(\d+)-/.exec(f)?.[1] ?? 1);
    const hexes = readFileSync(join(FIXTURES, f), 'utf8').split('\n').filter(Boolean);
    const out: string[] = [];
    for (const h of hexes) {
      try {
        out.push(await decode(confs[n - 1], h));
      } catch (err) {
        failed++;
        out.push(`ERROR ${String(err)}`);
      }
    }
    writeFileSync(join(FIXTURES, 'decoded', f.replace(/\.hex$/, '.txt')), out.join('\n') + '\n');
    console.log(`${f}: ${hexes.length} messages`);
  });
  const queue = [...jobs];
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let j = queue.shift(); j; j = queue.shift()) await j();
  }));
  removeDir(dir);
  if (failed) {
    console.error(`${failed} messages failed to decode`);
    process.exit(1);
  }
}

await main();
