import { test } from "node:test";
import assert from "node:assert/strict";
import { startScriptedModelServer } from "./scripted-server.js";

test("every HTTP response of the scripted server carries a distinct x-request-id, unknown routes too", async () => {
  const server = await startScriptedModelServer({
    script: { responses: [{ fault: { http_status: 500 } }, { output: [{ type: "message", text: "ok" }] }] },
  });
  try {
    const ids: (string | null)[] = [];
    const notFound = await fetch(`${server.url}/nope`);
    await notFound.text();
    assert.equal(notFound.status, 404);
    ids.push(notFound.headers.get("x-request-id"));
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${server.url}/responses`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "m", input: [], stream: true }),
      });
      await res.text();
      ids.push(res.headers.get("x-request-id"));
    }
    assert.ok(
      ids.every((id) => typeof id === "string" && id.length > 0),
      JSON.stringify(ids),
    );
    assert.equal(new Set(ids).size, ids.length);
  } finally {
    await server.close();
  }
});

test("a step with when_input_contains answers only a request whose last user message contains it", async () => {
  const server = await startScriptedModelServer({
    script: {
      responses: [
        { label: "title", when_input_contains: "task title", output: [{ type: "message", text: "t" }] },
        { label: "run", when_input_contains: "Run it", output: [{ type: "message", text: "r1" }] },
        { label: "after", when_input_contains: "Run it", output: [{ type: "message", text: "r2" }] },
        { label: "any", output: [{ type: "message", text: "a" }] },
      ],
      on_exhausted: "repeat_last",
    },
  });
  const ask = async (text: string) => {
    const res = await fetch(`${server.url}/responses`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "m",
        stream: true,
        input: [
          { type: "message", role: "user", content: [{ type: "input_text", text: "earlier: task title" }] },
          { type: "message", role: "user", content: [{ type: "input_text", text }] },
        ],
      }),
    });
    await res.text();
  };
  try {
    await ask("Run it now");
    await ask("Make a task title for: Run it now");
    await ask("Run it now");
    await ask("something else");
    await ask("a second task title");
    assert.deepEqual(
      server.requests.map((r) => r.label),
      // The title request would match "run" too, but it comes first in the script; the
      // second title request finds nothing left and repeats the last step it matches.
      ["run", "title", "after", "any", "any"],
    );
  } finally {
    await server.close();
  }
});
