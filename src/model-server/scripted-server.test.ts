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
