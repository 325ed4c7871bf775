/**
 * CycleState is the per-scheduling-cycle scratch space plugins share (upstream
 * `framework.CycleState`): PreFilter writes, Filter and Score read. Keys are built from plugin
 * names (`'PreFilter' + FIT_NAME`). Values that preemption may mutate implement `clone()`.
 */
export interface StateData {
  clone(): StateData;
}

/** CycleState holds typed data keyed by string for one scheduling cycle. */
export class CycleState {
  private readonly storage = new Map<string, StateData>();
  /** skipFilterPlugins lists plugins whose PreFilter returned Skip. */
  skipFilterPlugins = new Set<string>();
  /** skipScorePlugins lists plugins whose PreScore returned Skip. */
  skipScorePlugins = new Set<string>();

  /** read returns the data at `key`, or undefined when absent. */
  read<T extends StateData>(key: string): T | undefined {
    return this.storage.get(key) as T | undefined;
  }

  /** write stores `data` at `key`. */
  write(key: string, data: StateData): void {
    this.storage.set(key, data);
  }

  /** delete removes `key`. */
  delete(key: string): void {
    this.storage.delete(key);
  }

  /** clone copies the state (each value through its own `clone`) for preemption's what-if runs. */
  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.storage) c.storage.set(k, v.clone());
    c.skipFilterPlugins = new Set(this.skipFilterPlugins);
    c.skipScorePlugins = new Set(this.skipScorePlugins);
    return c;
  }
}
