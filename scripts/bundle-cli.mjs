// Bundles the compiled CLI (dist/cli/main.js, as tsc emitted it) into dist/cli/main.js plus
// chunks beside it, with esbuild. Start-up is dominated by module resolution and reading ~750
// small files (our ~200 modules, zod, OTel); one bundle per verb cuts `spool app-server` until it
// answers `initialize` roughly in half (bench/cli-startup.ts). Each verb stays a dynamic
// `import()` of its own chunk, so `--version` still loads almost nothing.
//
// Everything stays next to where tsc put it, so `import.meta.url`-relative paths keep working:
// `../../package.json` (version), `../../dist/observe/assets/` (viewer), `./main.js` (clients that
// spawn the CLI), `./embedded-worker.js` (the observe store's worker thread, bundled as a second
// entry). Native addons stay external, and so do the packages telemetry loads through
// `createRequire` only when configured (exporters, the metrics SDK): esbuild does not follow those.
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const OUT = "dist/cli";
const MARK = "// spool cli bundle (scripts/bundle-cli.mjs)";

const main = join(OUT, "main.js");
if (readFileSync(main, "utf8").includes(MARK)) {
  // Bundling a bundle would work but hides a stale build; tsc must run first.
  console.error(`${main} is already a bundle: run tsc (npm run build) first`);
  process.exit(1);
}
for (const f of readdirSync(OUT)) {
  if (f.startsWith("bundle-") || f.startsWith("embedded-worker.js")) rmSync(join(OUT, f));
}

await build({
  entryPoints: { main, "embedded-worker": "dist/observe/embedded-worker.js" },
  outdir: OUT,
  allowOverwrite: true,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // ESM builds where a package has one: esbuild can drop what is not used (OTel's are side-effect free).
  mainFields: ["module", "main"],
  chunkNames: "bundle-[name]-[hash]",
  external: ["better-sqlite3", "zstd-napi", "node-pty", "bufferutil", "utf-8-validate"],
  // CommonJS packages inside an ESM bundle call `require` for Node built-ins.
  banner: {
    js: `${MARK}\nimport { createRequire as __spoolRequire } from "node:module";\nconst require = __spoolRequire(import.meta.url);`,
  },
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
});
