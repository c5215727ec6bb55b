// An exchange LAN on one machine (INTEROP.md): a namespace holding a bridge, one namespace per
// member router with a veth into the bridge, and a veth from the root namespace into the bridge
// for the route server (the test process itself), so sessions are direct (no multihop) and next
// hops are real LAN addresses that BIRD, FRR and ExaBGP accept. Every name starts with `bxa-`;
// everything is deleted by destroy() and, should the process die first, by an exit hook.
import { execFileSync } from 'node:child_process';

const live = new Set<string>();
let hooked = false;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

function delNs(ns: string): void {
  try {
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'pipe' });
  } catch {
    // already gone
  }
  live.delete(ns);
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const ns of [...live]) delNs(ns);
  });
}

export interface LabRouter {
  readonly ns: string;
  readonly v4: string;
  readonly v6: string;
}

export interface LabNet {
  readonly id: string;
  /** The route server's addresses (root namespace side of the LAN). */
  readonly rs4: string;
  readonly rs6: string;
  /** Adds a member router namespace with addresses `.base+i` / `::base+i`. */
  addRouter(i: number, extraV4?: number): LabRouter;
  destroy(): void;
}

/**
 * `id` is one or two letters (interface names are limited to 15 characters); `v4base` is the
 * first three octets and the /26 block start, e.g. ['192.0.2', 128]; `v6net` a /64 like
 * '2001:db8:4a:1'.
 */
export function createLabNet(id: string, v4net: string, v4start: number, v6net: string): LabNet {
  hook();
  const lan = `bxa-${id}-lan`;
  const rsIf = `bxa-${id}-rs`;
  const routers: string[] = [];
  // a leftover of a killed run would make every command below fail
  for (const ns of execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n')) {
    const name = ns.split(' ')[0];
    if (name.startsWith(`bxa-${id}-`)) delNs(name);
  }
  try {
    ip('link', 'del', rsIf); // a veth left behind by a killed run
  } catch {
    // none
  }
  ip('netns', 'add', lan);
  live.add(lan);
  ip('-n', lan, 'link', 'add', 'br0', 'type', 'bridge');
  ip('-n', lan, 'link', 'set', 'br0', 'up');
  ip('-n', lan, 'link', 'set', 'lo', 'up');
  ip('link', 'add', rsIf, 'type', 'veth', 'peer', 'name', 'rsp', 'netns', lan);
  ip('-n', lan, 'link', 'set', 'rsp', 'master', 'br0', 'up');
  const rs4 = `${v4net}.${v4start + 1}`;
  const rs6 = `${v6net}::1`;
  ip('addr', 'add', `${rs4}/26`, 'dev', rsIf);
  ip('-6', 'addr', 'add', `${rs6}/64`, 'dev', rsIf, 'nodad');
  ip('link', 'set', rsIf, 'up');
  return {
    id,
    rs4,
    rs6,
    addRouter(i, extraV4) {
      const ns = `bxa-${id}-r${i}`;
      ip('netns', 'add', ns);
      live.add(ns);
      routers.push(ns);
      ip('link', 'add', 'eth0', 'netns', ns, 'type', 'veth', 'peer', 'name', `r${i}p`, 'netns', lan);
      ip('-n', lan, 'link', 'set', `r${i}p`, 'master', 'br0', 'up');
      const v4 = `${v4net}.${v4start + 1 + i}`;
      const v6 = `${v6net}::${(i + 1).toString(16)}`;
      ip('-n', ns, 'addr', 'add', `${v4}/26`, 'dev', 'eth0');
      if (extraV4 !== undefined) ip('-n', ns, 'addr', 'add', `${v4net}.${v4start + 1 + extraV4}/26`, 'dev', 'eth0');
      ip('-n', ns, '-6', 'addr', 'add', `${v6}/64`, 'dev', 'eth0', 'nodad');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      return { ns, v4, v6 };
    },
    destroy() {
      for (const ns of routers) delNs(ns);
      delNs(lan); // takes the route server's veth with it
    },
  };
}
