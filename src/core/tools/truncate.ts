// Model-visible output is cut the way Codex cuts it (`truncate.rs`): a token budget estimated at
// four bytes per token, the head and the tail kept in equal halves, a marker in the middle naming
// what was dropped. Only the model's copy is cut; items, bundles and logs keep everything.

const BYTES_PER_TOKEN = 4;

/** Codex's estimate of a text's token count. */
export function approxTokenCount(text: string): number {
  return Math.ceil(Buffer.byteLength(text, "utf8") / BYTES_PER_TOKEN);
}

export interface Truncated {
  text: string;
  truncated: boolean;
  originalTokens: number;
}

/** Keeps `maxTokens` worth of `text` (head + tail) with a `…N tokens truncated…` marker between. */
export function truncateMiddle(text: string, maxTokens: number): Truncated {
  const originalTokens = approxTokenCount(text);
  const budget = Math.max(0, Math.floor(maxTokens)) * BYTES_PER_TOKEN;
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= budget) return { text, truncated: false, originalTokens };
  const headBytes = Math.floor(budget / 2);
  const tailBytes = budget - headBytes;
  const head = bytes.subarray(0, charBoundary(bytes, headBytes)).toString("utf8");
  const tail = bytes.subarray(charBoundary(bytes, bytes.length - tailBytes)).toString("utf8");
  const removed = approxTokenCount(text) - approxTokenCount(head) - approxTokenCount(tail);
  return {
    text: `${head}…${Math.max(removed, 1)} tokens truncated…${tail}`,
    truncated: true,
    originalTokens,
  };
}

/** The largest UTF-8 character boundary at or before `at`. */
function charBoundary(bytes: Buffer, at: number): number {
  let i = Math.max(0, Math.min(at, bytes.length));
  // Continuation bytes are 10xxxxxx.
  while (i > 0 && i < bytes.length && (bytes[i]! & 0xc0) === 0x80) i--;
  return i;
}
