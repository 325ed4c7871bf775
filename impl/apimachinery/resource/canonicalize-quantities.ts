/**
 * canonicalizeQuantities rewrites every `resource.Quantity` field of an object into upstream's
 * canonical string (`0.5` -> `500m`, `1024Mi` -> `1Gi`, JSON numbers -> strings), as the
 * apiserver's Go types do when they decode and re-encode an object. Positions are found through
 * {@link PatchMeta.quantity}. Invalid quantities are left as they are for validation to report.
 */
import type { PatchMeta } from '../patch/patch-meta.ts';
import { quantityFromJSON } from './quantity.ts';

/** canonicalizeQuantities returns `value` with quantities canonical; unchanged subtrees are shared, inputs are not modified. */
export function canonicalizeQuantities<T>(value: T, meta: PatchMeta | undefined): T {
  return walk(value, meta) as T;
}

function walk(v: unknown, m: PatchMeta | undefined): unknown {
  if (!m) return v;
  if (m.quantity && (typeof v === 'string' || typeof v === 'number')) {
    try {
      const s = quantityFromJSON(v).toString();
      return s === v ? v : s;
    } catch {
      return v;
    }
  }
  if (Array.isArray(v)) {
    const im = m.items();
    if (!im) return v;
    let out: unknown[] | undefined;
    v.forEach((x, i) => {
      const y = walk(x, im);
      if (y !== x) (out ??= [...v])[i] = y;
    });
    return out ?? v;
  }
  if (typeof v === 'object' && v !== null) {
    let out: Record<string, unknown> | undefined;
    for (const [k, x] of Object.entries(v)) {
      const y = walk(x, m.field(k));
      if (y !== x) (out ??= { ...(v as Record<string, unknown>) })[k] = y;
    }
    return out ?? v;
  }
  return v;
}
