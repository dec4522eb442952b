/** `12.3 ms`, `4.56 s`, `2m 03s`. */
export function ms(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  if (n < 1000) return `${n.toFixed(n < 10 ? 2 : 1)} ms`;
  if (n < 60_000) return `${(n / 1000).toFixed(2)} s`;
  const m = Math.floor(n / 60_000);
  return `${m}m ${String(Math.round((n % 60_000) / 1000)).padStart(2, "0")}s`;
}

/** Local date and time of a nanosecond timestamp string. */
export function when(ns: string): string {
  return new Date(Number(BigInt(ns) / 1_000_000n)).toLocaleString();
}

export function int(n: number | null | undefined): string {
  return n === null || n === undefined ? "–" : n.toLocaleString("en-US");
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Offset in ms of `ns` from `baseNs` (both decimal strings). */
export function offsetMs(ns: string, baseNs: string): number {
  return Number(BigInt(ns) - BigInt(baseNs)) / 1e6;
}

export const short = (id: string, n = 8) => (id.length > n + 2 ? `${id.slice(0, n)}…` : id);
