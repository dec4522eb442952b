import { StringDecoder } from "node:string_decoder";

/** The streams an exec-server process reports output on. */
export type OutputStream = "stdout" | "stderr" | "pty";

/**
 * A command's output as text: each stream decoded on its own (a UTF-8 character split across
 * chunks stays whole), every decoded piece handed to `onDelta` as it arrives and kept in `text`.
 */
export class CommandOutput {
  text = "";
  private readonly decoders: Record<OutputStream, StringDecoder> = {
    stdout: new StringDecoder("utf8"),
    stderr: new StringDecoder("utf8"),
    pty: new StringDecoder("utf8"),
  };

  constructor(private readonly onDelta: (delta: string) => void) {}

  push(stream: OutputStream, bytes: Buffer): void {
    this.add(this.decoders[stream].write(bytes));
  }

  /** Flushes what the decoders still hold (the process has exited). */
  end(): void {
    for (const d of Object.values(this.decoders)) this.add(d.end());
  }

  private add(piece: string): void {
    if (piece === "") return;
    this.text += piece;
    this.onDelta(piece);
  }
}
