/**
 * Heap is a binary heap keyed by string, with O(log n) add/update/delete by key (upstream
 * `backend/heap/heap.go`). `less(a, b)` true means a pops before b.
 */
export class Heap<T> {
  private readonly items: T[] = [];
  private readonly index = new Map<string, number>();

  constructor(
    private readonly keyFunc: (item: T) => string,
    private readonly less: (a: T, b: T) => boolean,
  ) {}

  /** len is the number of items. */
  get len(): number {
    return this.items.length;
  }

  /** has reports whether an item with this key is present. */
  has(key: string): boolean {
    return this.index.has(key);
  }

  /** get returns the item with this key. */
  get(key: string): T | undefined {
    const i = this.index.get(key);
    return i === undefined ? undefined : this.items[i];
  }

  /** addOrUpdate inserts the item, or replaces the one with the same key and re-sorts it. */
  addOrUpdate(item: T): void {
    const key = this.keyFunc(item);
    const i = this.index.get(key);
    if (i !== undefined) {
      this.items[i] = item;
      this.fix(i);
      return;
    }
    this.items.push(item);
    this.index.set(key, this.items.length - 1);
    this.up(this.items.length - 1);
  }

  /** delete removes the item with this key; returns it. */
  delete(key: string): T | undefined {
    const i = this.index.get(key);
    if (i === undefined) return undefined;
    const item = this.items[i]!;
    const last = this.items.length - 1;
    if (i !== last) this.swap(i, last);
    this.items.pop();
    this.index.delete(key);
    if (i !== last) this.fix(i);
    return item;
  }

  /** peek returns the head without removing it. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** pop removes and returns the head. */
  pop(): T | undefined {
    const head = this.items[0];
    if (head === undefined) return undefined;
    this.delete(this.keyFunc(head));
    return head;
  }

  /** list returns the items in heap (not sorted) order. */
  list(): T[] {
    return this.items.slice();
  }

  private fix(i: number): void {
    if (!this.down(i)) this.up(i);
  }

  private up(j: number): void {
    while (j > 0) {
      const parent = (j - 1) >> 1;
      if (!this.less(this.items[j]!, this.items[parent]!)) break;
      this.swap(j, parent);
      j = parent;
    }
  }

  private down(i0: number): boolean {
    let i = i0;
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let j = l;
      const r = l + 1;
      if (r < n && this.less(this.items[r]!, this.items[l]!)) j = r;
      if (!this.less(this.items[j]!, this.items[i]!)) break;
      this.swap(i, j);
      i = j;
    }
    return i > i0;
  }

  private swap(i: number, j: number): void {
    const a = this.items[i]!;
    const b = this.items[j]!;
    this.items[i] = b;
    this.items[j] = a;
    this.index.set(this.keyFunc(b), i);
    this.index.set(this.keyFunc(a), j);
  }
}
