import type { W3cTraceContext } from "../../src/protocol/index.js";
import type { RpcConnection } from "../../src/rpc/index.js";

/** `turn/completed` notifications by turn id, for waiting on one turn even if it ends first. */
export class TurnCompletions {
  private readonly ended = new Set<string>();
  private readonly waiting = new Map<string, () => void>();

  /** Call with every `turn/completed`'s turn id. */
  completed(turnId: string): void {
    const resolve = this.waiting.get(turnId);
    if (!resolve) return void this.ended.add(turnId);
    this.waiting.delete(turnId);
    resolve();
  }

  wait(turnId: string): Promise<void> {
    if (this.ended.delete(turnId)) return Promise.resolve();
    return new Promise((resolve) => this.waiting.set(turnId, resolve));
  }
}

/** `turn/start`, then its `turn/completed`: resolves with the wall milliseconds in between. */
export async function timedTurn(
  rpc: RpcConnection,
  turns: TurnCompletions,
  params: { threadId: string; input: unknown[] },
  trace?: W3cTraceContext,
): Promise<number> {
  const t0 = performance.now();
  const { turn } = await rpc.request<{ turn: { id: string } }>("turn/start", params, trace);
  await turns.wait(turn.id);
  return performance.now() - t0;
}

/** `spool app-server` arguments selecting the scripted model at `url` as provider `mock`. */
export function scriptedProviderArgs(url: string): string[] {
  return [
    "-c",
    'model_provider="mock"',
    "-c",
    'model="scripted"',
    "-c",
    `model_providers.mock.base_url="${url}"`,
  ];
}
