// Runs every bench/*.ts in turn; each prints its own figures.
import { readdirSync } from "node:fs";
import { spawnSync } from "node:child_process";

const only = process.argv.slice(2);
const benches = (
  only.length > 0
    ? only
    : readdirSync("bench")
        .filter((f) => f.endsWith(".ts"))
        .sort()
).map((f) => (f.startsWith("bench/") ? f : `bench/${f}`));
let failed = 0;
for (const file of benches) {
  console.log(`\n== ${file}`);
  const r = spawnSync(process.execPath, ["--import", "tsx", "--expose-gc", file], { stdio: "inherit" });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
