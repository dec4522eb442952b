import { test } from "node:test";
import assert from "node:assert/strict";
import { parseLogFilter } from "./log-filter.js";
import { LEVEL_RANK, OFF_RANK } from "./log-level.js";

const { error, warn, info, debug, trace } = LEVEL_RANK;

test("unset or empty filter defaults to info for every target", () => {
  assert.equal(parseLogFilter(undefined).maxRank("anything"), info);
  assert.equal(parseLogFilter("").maxRank("spool_rpc::connection"), info);
});

test("a bare level sets the default, case-insensitively", () => {
  assert.equal(parseLogFilter("WARN").maxRank("x"), warn);
  assert.equal(parseLogFilter("Trace").maxRank("x"), trace);
  assert.equal(parseLogFilter("error").maxRank("x"), error);
});

test("off disables everything, globally or per target", () => {
  assert.equal(parseLogFilter("off").maxRank("x"), OFF_RANK);
  const f = parseLogFilter("info,codex_exec_server=off");
  assert.equal(f.maxRank("codex_exec_server::telemetry"), OFF_RANK);
  assert.equal(f.maxRank("other"), info);
});

test("target=level matches the target and its ::-separated children, not name prefixes", () => {
  const f = parseLogFilter("warn,codex_core::tools=debug");
  assert.equal(f.maxRank("codex_core::tools"), debug);
  assert.equal(f.maxRank("codex_core::tools::parallel"), debug);
  assert.equal(f.maxRank("codex_core::toolsmith"), warn);
  assert.equal(f.maxRank("codex_core"), warn);
});

test("dotted targets match by segment prefix", () => {
  const f = parseLogFilter("codex_otel.log_only=trace");
  assert.equal(f.maxRank("codex_otel.log_only"), trace);
  assert.equal(f.maxRank("codex_otel.log_only.extra"), trace);
  assert.equal(f.maxRank("codex_otel.trace_safe"), info);
});

test("the most specific (longest) matching directive wins, regardless of order", () => {
  const f = parseLogFilter("codex_core::tools::parallel=error,codex_core=trace");
  assert.equal(f.maxRank("codex_core::tools::parallel"), error);
  assert.equal(f.maxRank("codex_core::turn"), trace);
});

test("for the same target the later directive wins", () => {
  assert.equal(parseLogFilter("a=debug,a=error").maxRank("a"), error);
});

test("a bare target means target=trace", () => {
  const f = parseLogFilter("warn,spool_rpc");
  assert.equal(f.maxRank("spool_rpc::connection"), trace);
  assert.equal(f.maxRank("x"), warn);
});

test("a codex_ directive also applies to the matching spool_ target", () => {
  const f = parseLogFilter("warn,codex_exec_server::telemetry=info,codex_core=off");
  assert.equal(f.maxRank("spool_exec_server::telemetry"), info);
  assert.equal(f.maxRank("spool_core::tools::parallel"), OFF_RANK);
  assert.equal(f.maxRank("spool_rpc"), warn);
});

test("the Codex example filter selects exactly the timing events", () => {
  const f = parseLogFilter("warn,codex_core::tools::parallel=info,codex_exec_server::telemetry=info");
  assert.equal(f.maxRank("codex_core::tools::parallel"), info);
  assert.equal(f.maxRank("codex_exec_server::telemetry"), info);
  assert.equal(f.maxRank("codex_core::turn"), warn);
});

test("unparsable directives are collected and ignored, the rest still applies", () => {
  const f = parseLogFilter("info,a=loud,=debug?,b=debug,d=,c[=info");
  assert.deepEqual(f.invalid, ["a=loud", "=debug?", "d=", "c[=info"]);
  assert.equal(f.maxRank("b"), debug);
  assert.equal(f.maxRank("a"), info);
});

test("[span]=level enables a level only inside a span of that name", () => {
  const f = parseLogFilter("warn,[turn]=debug");
  assert.equal(f.maxRank("x"), warn);
  assert.equal(f.maxSpanRank("x"), debug);
  assert.equal(f.rankIn("x", []), warn);
  assert.equal(f.rankIn("x", [{ name: "session_loop", fields: {} }]), warn);
  assert.equal(
    f.rankIn("x", [
      { name: "session_loop", fields: {} },
      { name: "turn", fields: {} },
    ]),
    debug,
  );
});

test("target[span]=level applies to that target inside the span only", () => {
  const f = parseLogFilter("info,codex_core[turn]=trace");
  const inTurn = [{ name: "turn", fields: {} }];
  assert.equal(f.rankIn("codex_core::tools", inTurn), trace);
  assert.equal(f.rankIn("spool_core::tools", inTurn), trace, "codex_ alias applies to span directives too");
  assert.equal(f.rankIn("spool_rpc", inTurn), info);
  assert.equal(f.maxSpanRank("spool_rpc"), OFF_RANK);
});

test("span field constraints must all match; quoted values are unquoted", () => {
  const f = parseLogFilter('warn,[turn{turn.id="turn_2",model=gpt-5}]=debug,[session_loop{thread_id}]=info');
  assert.equal(f.rankIn("x", [{ name: "turn", fields: { "turn.id": "turn_2", model: "gpt-5" } }]), debug);
  assert.equal(f.rankIn("x", [{ name: "turn", fields: { "turn.id": "turn_1", model: "gpt-5" } }]), warn);
  assert.equal(f.rankIn("x", [{ name: "turn", fields: { "turn.id": "turn_2" } }]), warn);
  assert.equal(
    f.rankIn("x", [{ name: "session_loop", fields: { thread_id: "t" } }]),
    info,
    "presence-only field",
  );
  assert.equal(f.rankIn("x", [{ name: "session_loop", fields: {} }]), warn);
});

test("numbers and booleans in span fields compare by their text", () => {
  const f = parseLogFilter("error,[req{attempt=2}]=debug");
  assert.equal(f.rankIn("x", [{ name: "req", fields: { attempt: 2 } }]), debug);
});

test("span directives add to static ones: they never lower what a static directive enables", () => {
  const f = parseLogFilter("a=debug,a[turn]=error");
  assert.equal(f.rankIn("a", [{ name: "turn", fields: {} }]), debug);
});

test("commas inside span field lists do not split directives", () => {
  const f = parseLogFilter("[turn{a=1,b=2}]=trace,x=error");
  assert.deepEqual(f.invalid, []);
  assert.equal(f.maxRank("x"), error);
  assert.equal(f.rankIn("y", [{ name: "turn", fields: { a: "1", b: "2" } }]), trace);
});
