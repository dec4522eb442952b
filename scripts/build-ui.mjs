// Bundles the viewer's pages (src/observe/ui, Preact + uPlot) into dist/observe/assets with
// esbuild: one script, one stylesheet and index.html, nothing fetched at runtime.
import { copyFileSync, mkdirSync } from "node:fs";
import { build } from "esbuild";

const out = "dist/observe/assets";
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { app: "src/observe/ui/main.tsx" },
  bundle: true,
  outdir: out,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: true,
  jsx: "automatic",
  jsxImportSource: "preact",
  logLevel: "warning",
  legalComments: "linked",
});
copyFileSync("src/observe/ui/index.html", `${out}/index.html`);
