import type { ModelScriptInput } from "../model-server/index.js";

/**
 * The two commands the demo's model runs in parallel. Each prints the `TRACEPARENT` its process
 * was started with (the demo checks it belongs to the turn's trace) and sleeps long enough that
 * the overlap shows in the span timestamps.
 */
export const DEMO_COMMANDS = [
  { call_id: "call_demo_uname", cmd: 'echo "TRACEPARENT=$TRACEPARENT"; sleep 0.3; uname -sr' },
  {
    call_id: "call_demo_date",
    cmd: 'echo "TRACEPARENT=$TRACEPARENT"; sleep 0.3; date -u +%Y-%m-%dT%H:%M:%SZ',
  },
] as const;

/**
 * What the embedded model answers: first a reasoning summary and two parallel `exec_command`
 * calls, then (with both outputs in its input) a streamed message.
 */
export const DEMO_SCRIPT: ModelScriptInput = {
  chunk_chars: 24,
  on_exhausted: "repeat_last",
  responses: [
    {
      output: [
        { type: "reasoning", summary: ["Look at the machine: two quick commands, run side by side."] },
        ...DEMO_COMMANDS.map(({ call_id, cmd }) => ({
          type: "function_call" as const,
          name: "exec_command",
          call_id,
          arguments: { cmd, yield_time_ms: 5000 },
        })),
      ],
    },
    {
      output: [
        {
          type: "message",
          text: "Both commands ran in parallel on a separate exec-server, each inside this turn's trace.",
        },
      ],
    },
  ],
};
