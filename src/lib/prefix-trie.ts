/**
 * A binary (uncompressed path, compressed storage) prefix trie, one per address family, serving
 * exact, longest-match, covering (all less-specifics) and covered (all more-specifics) look-ups.
 * Every component that maps prefixes to things uses this one structure.
 */
import type { Family } from './ip.ts';
import { type Prefix, bitAt } from './prefix.ts';

interface Node<T> {
  zero?: Node<T>;
  one?: Node<T>;
  has: boolean;
  value?: T;
}

export class PrefixTrie<T> {
  private readonly roots: Record<Family, Node<T>> = { 4: { has: false }, 6: { has: false } };
  private count = 0;

  get size(): number {
    return this.count;
  }

  set(p: Prefix, value: T): void {
    let n = this.roots[p.family];
    for (let i = 0; i < p.len; i++) {
      if (bitAt(p.bytes, i)) n = n.one ??= { has: false };
      else n = n.zero ??= { has: false };
    }
    if (!n.has) this.count++;
    n.has = true;
    n.value = value;
  }

  /** Returns the value stored for `p`, creating it with `make` if absent. */
  upsert(p: Prefix, make: () => T): T {
    const n = this.node(p, true)!;
    if (!n.has) {
      n.has = true;
      n.value = make();
      this.count++;
    }
    return n.value as T;
  }

  get(p: Prefix): T | undefined {
    const n = this.node(p, false);
    return n?.has ? n.value : undefined;
  }

  delete(p: Prefix): boolean {
    // Walk down remembering the path so empty branches can be pruned on the way back.
    const path: Node<T>[] = [];
    let n: Node<T> | undefined = this.roots[p.family];
    for (let i = 0; i < p.len && n; i++) {
      path.push(n);
      n = bitAt(p.bytes, i) ? n.one : n.zero;
    }
    if (!n || !n.has) return false;
    n.has = false;
    n.value = undefined;
    this.count--;
    for (let i = p.len - 1; i >= 0; i--) {
      const parent = path[i];
      const key = bitAt(p.bytes, i) ? 'one' : 'zero';
      const c = parent[key]!;
      if (c.has || c.zero || c.one) break;
      delete parent[key];
    }
    return true;
  }

  /** The most specific stored prefix containing `p` (or equal to it). */
  longestMatch(p: Prefix): { len: number; value: T } | undefined {
    let n: Node<T> | undefined = this.roots[p.family];
    let best: { len: number; value: T } | undefined;
    for (let i = 0; n; i++) {
      if (n.has) best = { len: i, value: n.value as T };
      if (i === p.len) break;
      n = bitAt(p.bytes, i) ? n.one : n.zero;
    }
    return best;
  }

  /** Every stored prefix containing `p` (including `p` itself), least specific first. */
  covering(p: Prefix): Array<{ len: number; value: T }> {
    const out: Array<{ len: number; value: T }> = [];
    let n: Node<T> | undefined = this.roots[p.family];
    for (let i = 0; n; i++) {
      if (n.has) out.push({ len: i, value: n.value as T });
      if (i === p.len) break;
      n = bitAt(p.bytes, i) ? n.one : n.zero;
    }
    return out;
  }

  /** Every stored prefix inside `p` (including `p` itself), in address order. */
  covered(p: Prefix): T[] {
    const out: T[] = [];
    const start = this.node(p, false);
    if (start) collect(start, out);
    return out;
  }

  /** Every stored value of one family (or both), in address order. */
  values(family?: Family): T[] {
    const out: T[] = [];
    if (family !== 6) collect(this.roots[4], out);
    if (family !== 4) collect(this.roots[6], out);
    return out;
  }

  private node(p: Prefix, create: boolean): Node<T> | undefined {
    let n: Node<T> | undefined = this.roots[p.family];
    for (let i = 0; i < p.len && n; i++) {
      if (bitAt(p.bytes, i)) n = create ? (n.one ??= { has: false }) : n.one;
      else n = create ? (n.zero ??= { has: false }) : n.zero;
    }
    return n;
  }
}

function collect<T>(n: Node<T>, out: T[]): void {
  // Iterative pre-order walk: deep IPv6 tries would overflow a recursive one only at
  // absurd sizes, but iteration is as simple and cheaper.
  const stack: Node<T>[] = [n];
  while (stack.length) {
    const x = stack.pop()!;
    if (x.has) out.push(x.value as T);
    if (x.one) stack.push(x.one);
    if (x.zero) stack.push(x.zero);
  }
}
