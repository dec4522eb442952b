// The two bounded text buffers a unified exec session keeps (Codex's `OutputBufferState` and
// `HeadTailBuffer`). Sizes are counted in UTF-16 code units, not bytes: a cheap bound on memory
// that never needs re-encoding.

/** Where `text` may be cut at `at` without splitting a surrogate pair. */
function safeCut(text: string, at: number): number {
  const code = text.charCodeAt(at);
  return code >= 0xdc00 && code <= 0xdfff ? at + 1 : at;
}

/**
 * Output the model has not been shown yet. Past `maxChars` the oldest text is dropped, so a
 * session nobody polls holds at most that much.
 */
export class PendingText {
  private chunks: string[] = [];
  private size = 0;

  constructor(private readonly maxChars: number) {}

  push(text: string): void {
    if (text === "") return;
    this.chunks.push(text);
    this.size += text.length;
    let excess = this.size - this.maxChars;
    while (excess > 0 && this.chunks.length > 0) {
      const first = this.chunks[0]!;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
        excess -= first.length;
      } else {
        const kept = first.slice(safeCut(first, excess));
        this.size -= first.length - kept.length;
        this.chunks[0] = kept;
        excess = 0;
      }
    }
  }

  /** Everything pending, which is then no longer pending. */
  drain(): string {
    const text = this.peek();
    this.chunks = [];
    this.size = 0;
    return text;
  }

  peek(): string {
    if (this.chunks.length > 1) this.chunks = [this.chunks.join("")];
    return this.chunks[0] ?? "";
  }

  get length(): number {
    return this.size;
  }
}

/**
 * A session's whole transcript (the item's `aggregatedOutput`): the first half of the budget
 * and the latest half, the middle dropped once it overflows, as Codex keeps it.
 */
export class HeadTailText {
  private head = "";
  private readonly tail: PendingText;
  private readonly headMax: number;

  constructor(maxChars: number) {
    this.headMax = Math.floor(maxChars / 2);
    this.tail = new PendingText(maxChars - this.headMax);
  }

  push(text: string): void {
    const room = this.headMax - this.head.length;
    if (room > 0) {
      const cut = text.length <= room ? text.length : safeCut(text, room);
      this.head += text.slice(0, cut);
      text = text.slice(cut);
    }
    this.tail.push(text);
  }

  text(): string {
    return this.head + this.tail.peek();
  }
}
