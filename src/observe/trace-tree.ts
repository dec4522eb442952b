/** The fields tree ordering needs. */
export interface TreeInput {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  startNs: bigint;
  endNs: bigint;
}

export interface TreeNode<T extends TreeInput> {
  span: T;
  depth: number;
  critical: boolean;
  /** The span names a parent that is not in the set. */
  orphan: boolean;
}

const key = (traceId: string, spanId: string) => `${traceId}/${spanId}`;
const byStart = (a: TreeInput, b: TreeInput) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0);

/**
 * Orders spans depth-first (children by start time) and marks each root's critical path: from
 * the end of a span walk back through the child that finished last, then the one that finished
 * last before that child started, and so on, recursively (the path that bounds the span's
 * duration; children running in parallel with it are off the path). A span whose parent is not
 * in the set becomes a root marked `orphan`.
 *
 * @example
 * for (const { span, depth, critical } of orderTree(spans)) print("  ".repeat(depth) + span.name);
 */
export function orderTree<T extends TreeInput>(spans: readonly T[]): TreeNode<T>[] {
  const present = new Set(spans.map((s) => key(s.traceId, s.spanId)));
  const children = new Map<string, T[]>();
  const roots: T[] = [];
  for (const s of spans) {
    if (s.parentSpanId !== "" && present.has(key(s.traceId, s.parentSpanId))) {
      const k = key(s.traceId, s.parentSpanId);
      let list = children.get(k);
      if (!list) children.set(k, (list = []));
      list.push(s);
    } else roots.push(s);
  }
  for (const list of children.values()) list.sort(byStart);
  roots.sort(byStart);

  const critical = new Set<string>();
  const markCritical = (root: T) => {
    const stack: T[] = [root];
    while (stack.length > 0) {
      const span = stack.pop()!;
      critical.add(key(span.traceId, span.spanId));
      const kids = [...(children.get(key(span.traceId, span.spanId)) ?? [])].sort((a, b) =>
        a.endNs > b.endNs ? -1 : a.endNs < b.endNs ? 1 : 0,
      );
      let cursor = span.endNs;
      let chosen = false;
      for (const c of kids) {
        if (c.startNs >= cursor) continue;
        if (chosen && c.endNs > cursor) continue;
        stack.push(c);
        chosen = true;
        cursor = c.startNs;
      }
    }
  };

  const out: TreeNode<T>[] = [];
  for (const root of roots) {
    markCritical(root);
    const stack: { span: T; depth: number }[] = [{ span: root, depth: 0 }];
    while (stack.length > 0) {
      const { span, depth } = stack.pop()!;
      const k = key(span.traceId, span.spanId);
      out.push({ span, depth, critical: critical.has(k), orphan: depth === 0 && span.parentSpanId !== "" });
      const kids = children.get(k) ?? [];
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ span: kids[i]!, depth: depth + 1 });
    }
  }
  return out;
}
