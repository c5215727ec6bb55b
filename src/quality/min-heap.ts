/**
 * An indexed binary min-heap: items know their position, so a priority can be changed or an
 * item removed in O(log n) (the scheduler re-keys targets when interest or volume changes).
 */
export interface HeapItem {
  heapIndex: number;
}

export class MinHeap<T extends HeapItem> {
  private readonly a: T[] = [];

  constructor(private readonly less: (x: T, y: T) => boolean) {}

  get size(): number {
    return this.a.length;
  }

  peek(): T | undefined {
    return this.a[0];
  }

  push(x: T): void {
    x.heapIndex = this.a.length;
    this.a.push(x);
    this.up(x.heapIndex);
  }

  pop(): T | undefined {
    const top = this.a[0];
    if (top) this.remove(top);
    return top;
  }

  remove(x: T): void {
    const i = x.heapIndex;
    if (i < 0 || this.a[i] !== x) return;
    const last = this.a.pop()!;
    x.heapIndex = -1;
    if (last !== x) {
      this.a[i] = last;
      last.heapIndex = i;
      this.update(last);
    }
  }

  /** Restores order after x's key changed. */
  update(x: T): void {
    if (x.heapIndex < 0) return;
    this.up(x.heapIndex);
    this.down(x.heapIndex);
  }

  has(x: T): boolean {
    return x.heapIndex >= 0 && this.a[x.heapIndex] === x;
  }

  private up(i: number): void {
    const a = this.a;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i], a[p])) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const a = this.a;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.less(a[l], a[m])) m = l;
      if (r < a.length && this.less(a[r], a[m])) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(i: number, j: number): void {
    const a = this.a;
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
    a[i].heapIndex = i;
    a[j].heapIndex = j;
  }
}
