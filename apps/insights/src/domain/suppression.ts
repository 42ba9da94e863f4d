/**
 * Small-cell suppression over a hierarchy of rows (cells, then totals over them). A row
 * built from fewer than k distinct cases is suppressed ("fewer-than-k"). Then, for every
 * published row and every level below it, what a reader could derive by subtracting the
 * published rows from it — the suppressed rows of that level under it, together — must itself
 * come from at least k distinct cases, or from none: otherwise the smallest published row of
 * that level is suppressed too ("complementary"), until it does. A row suppressed that way
 * had at least k cases, so adding it never breaks a check already met.
 */

export type SuppressionReason = 'fewer-than-k' | 'complementary';

export interface SuppressibleRow {
  id: string;
  /** 0 for cells, 1, 2 … for totals over them. */
  level: number;
  /** The ids of the rows this one adds up into (its totals), at any level. */
  ancestors: readonly string[];
  cases: ReadonlySet<string>;
}

export function suppress(rows: readonly SuppressibleRow[], k: number): Map<string, SuppressionReason> {
  const reasons = new Map<string, SuppressionReason>();
  for (const row of rows) if (row.cases.size < k) reasons.set(row.id, 'fewer-than-k');

  // parent id → level → its descendants at that level
  const below = new Map<string, Map<number, SuppressibleRow[]>>();
  for (const row of rows) {
    for (const ancestor of row.ancestors) {
      const levels = below.get(ancestor) ?? new Map<number, SuppressibleRow[]>();
      const list = levels.get(row.level) ?? [];
      list.push(row);
      levels.set(row.level, list);
      below.set(ancestor, levels);
    }
  }
  const byId = new Map(rows.map((r) => [r.id, r]));
  // Finer parents first: a row hidden for one of them often settles the coarser ones too.
  const parents = [...below.entries()].sort(([a], [b]) => (byId.get(a)?.level ?? 0) - (byId.get(b)?.level ?? 0));
  for (let changed = true; changed; ) {
    changed = false;
    for (const [parent, levels] of parents) {
      if (reasons.has(parent) || !byId.has(parent)) continue;
      for (const group of levels.values()) {
        for (;;) {
          const hidden = group.filter((r) => reasons.has(r.id));
          if (hidden.length === 0) break;
          const union = new Set<string>();
          for (const r of hidden) for (const c of r.cases) union.add(c);
          if (union.size >= k) break;
          const shown = group.filter((r) => !reasons.has(r.id)).sort((a, b) => a.cases.size - b.cases.size || (a.id < b.id ? -1 : 1));
          // Every case of the parent is in some row below it: with all rows hidden the union is the parent's own, ≥ k.
          if (shown.length === 0) break;
          reasons.set(shown[0]!.id, 'complementary');
          changed = true;
        }
      }
    }
  }
  return reasons;
}
