// `spool debug trace-reduce` as a whole process on a bundle of the shape a real Codex session
// leaves (80 tool-calling turns: two inference calls and one exec tool call per turn, ~1,400
// events, ~900 payload files of 1-60 KB), recorded with Spool's own recorder. Compared in the same
// run with the floor (a process that reads and JSON.parses the same files), `node -e 1`, and, when
// it is installed, Codex 0.169's own reducer (CODEX_0169 or /work/peers/codex-0.169).
// Target: <= 150 ms and >= 3x faster than Codex 0.169 on this bundle.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recordRealShapeBundle } from "./support/real-shape-bundle.js";
import { SPOOL_MAIN, ms, requireBuild, timeProcess } from "./support/process-timing.js";

requireBuild();
const RUNS = Number(process.env.BENCH_RUNS ?? 11);
const CODEX = process.env.CODEX_0169 ?? "/work/peers/codex-0.169/node_modules/.bin/codex";

const work = mkdtempSync(join(tmpdir(), "spool-bench-real-shape-"));
try {
  const b = await recordRealShapeBundle(join(work, "root"));
  console.log(
    `bundle: ${b.events} events, ${b.payloadFiles} payload files, ${(b.bytes / 1048576).toFixed(1)} MB (recorded by Spool)`,
  );
  const floorScript = join(work, "floor.mjs");
  writeFileSync(
    floorScript,
    `import { readFileSync, readdirSync } from "node:fs";
     const dir = process.argv[2];
     for (const l of readFileSync(dir + "/trace.jsonl", "utf8").split("\\n")) if (l) JSON.parse(l);
     for (const f of readdirSync(dir + "/payloads")) JSON.parse(readFileSync(dir + "/payloads/" + f, "utf8"));`,
  );
  const out = join(work, "state.json");
  const node = timeProcess(process.execPath, ["-e", "1"], RUNS);
  const floor = timeProcess(process.execPath, [floorScript, b.dir], RUNS);
  const spool = timeProcess(process.execPath, [SPOOL_MAIN, "debug", "trace-reduce", b.dir, "-o", out], RUNS);
  console.log(`node -e 1                              ${ms(node.median).padStart(7)}`);
  console.log(`floor: node + read + JSON.parse all    ${ms(floor.median).padStart(7)}`);
  console.log(
    `spool debug trace-reduce               ${ms(spool.median).padStart(7)}  ${(spool.median / floor.median).toFixed(2)}× the floor; ` +
      `${(b.bytes / 1048576 / (spool.median / 1000)).toFixed(0)} MB/s; target <= 150 ms: ${spool.median <= 150 ? "met" : "NOT met"}`,
  );
  if (existsSync(CODEX)) {
    const codex = timeProcess(CODEX, ["debug", "trace-reduce", b.dir, "-o", join(work, "codex.json")], RUNS);
    const speedup = codex.median / spool.median;
    console.log(
      `codex 0.169 debug trace-reduce         ${ms(codex.median).padStart(7)}  Spool is ${speedup.toFixed(2)}× faster; target >= 3×: ${speedup >= 3 ? "met" : "NOT met"}`,
    );
  } else {
    console.log(`codex 0.169 not found at ${CODEX} (set CODEX_0169): no comparison`);
  }
  console.log(`(medians of ${RUNS} runs each, after one warm-up)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
