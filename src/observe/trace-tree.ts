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

/**
 * Orders spans depth-first (children by start time) and marks each root's critical path: from
 * the end of a span walk back through the child that finished last, then the one that finished
 * last before that child started, and so on, recursively (the path that bounds the span's
 * duration; children running in parallel with it are off the path). "Finished" is the latest
 * end in a span's subtree, so work that outlives its parent stays on the path. A span whose parent is not
 * in the set becomes a root marked `orphan`.
 *
 * @example
 * for (const { span, depth, critical } of orderTree(spans)) print("  ".repeat(depth) + span.name);
 */
export function orderTree<T extends TreeInput>(spans: readonly T[]): TreeNode<T>[] {
  const n = spans.length;
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) index.set(key(spans[i]!.traceId, spans[i]!.spanId), i);
  const children: number[][] = Array.from({ length: n }, () => []);
  const roots: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = spans[i]!;
    const parent = s.parentSpanId === "" ? undefined : index.get(key(s.traceId, s.parentSpanId));
    if (parent === undefined || parent === i) roots.push(i);
    else children[parent]!.push(i);
  }
  const byStart = (a: number, b: number) => {
    const x = spans[a]!.startNs;
    const y = spans[b]!.startNs;
    return x < y ? -1 : x > y ? 1 : 0;
  };
  for (const list of children) if (list.length > 1) list.sort(byStart);
  roots.sort(byStart);

  // Pre-order from each root (children by start); reversed, it visits children before parents.
  const order: { i: number; depth: number; root: number }[] = [];
  for (const root of roots) {
    const stack = [{ i: root, depth: 0 }];
    while (stack.length > 0) {
      const { i, depth } = stack.pop()!;
      order.push({ i, depth, root });
      const kids = children[i]!;
      for (let k = kids.length - 1; k >= 0; k--) stack.push({ i: kids[k]!, depth: depth + 1 });
    }
  }

  // A child may outlive its parent (a turn outlives the request that started it), so the path
  // follows each span's effective end: the latest end in its subtree.
  const end: bigint[] = spans.map((s) => s.endNs);
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k]!.i;
    for (const c of children[i]!) if (end[c]! > end[i]!) end[i] = end[c]!;
  }

  const critical = new Uint8Array(n);
  for (const root of roots) {
    const stack = [root];
    while (stack.length > 0) {
      const i = stack.pop()!;
      critical[i] = 1;
      const kids = [...children[i]!].sort((a, b) => (end[a]! > end[b]! ? -1 : end[a]! < end[b]! ? 1 : 0));
      let cursor = end[i]!;
      for (const c of kids) {
        if (spans[c]!.startNs >= cursor || end[c]! > cursor) continue;
        stack.push(c);
        cursor = spans[c]!.startNs;
      }
    }
  }

  return order.map(({ i, depth }) => ({
    span: spans[i]!,
    depth,
    critical: critical[i] === 1,
    orphan: depth === 0 && spans[i]!.parentSpanId !== "",
  }));
}
