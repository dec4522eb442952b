import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

/** ARCHITECTURE.md's folders, top to bottom. */
const ORDER = [
  "protocol",
  "telemetry",
  "rollout-trace",
  "config",
  "rpc",
  "model-client",
  "otlp-receiver",
  "model-server",
  "exec-server",
  "core",
  "app-server",
  "observe",
  "cli",
] as const;

/** Every folder listed above `folder` (the table's "all above"). */
const above = (folder: (typeof ORDER)[number]): string[] => ORDER.slice(0, ORDER.indexOf(folder));

/** ARCHITECTURE.md's table: each folder and the folders it may import. */
export const LAYERS: Readonly<Record<string, readonly string[]>> = {
  protocol: [],
  telemetry: ["protocol"],
  "rollout-trace": ["protocol", "telemetry"],
  config: ["protocol", "telemetry"],
  rpc: ["protocol", "telemetry", "config"],
  "model-client": ["protocol", "telemetry", "config"],
  "otlp-receiver": ["protocol"],
  "model-server": ["protocol", "telemetry", "config", "model-client"],
  "exec-server": ["protocol", "telemetry", "config", "rpc"],
  core: above("core"),
  "app-server": above("app-server"),
  observe: ["protocol", "telemetry", "config", "rollout-trace", "otlp-receiver"],
  cli: above("cli"),
};

/** Edges of the table that may carry types only (`import type` / `export type`). */
export const TYPE_ONLY: Readonly<Record<string, readonly string[]>> = {
  config: ["telemetry"],
};

export interface SourceFile {
  /** Path relative to src/, with forward slashes. */
  path: string;
  text: string;
}

const IMPORT_RE =
  /(?:^|[\s;])(import|export)\s([^'"]*?)from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

export interface ImportRef {
  spec: string;
  /** `import type …` / `export type …`: erased at compile time. */
  typeOnly: boolean;
}

/** Every relative import specifier in a file. */
export function relativeImports(text: string): ImportRef[] {
  const out: ImportRef[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[3] ?? m[4];
    if (spec && spec.startsWith(".")) out.push({ spec, typeOnly: /^type\s/.test(m[2] ?? "") });
  }
  return out;
}

/** Violations of the layer table and of the "only through index.ts" rule. */
export function checkLayering(files: readonly SourceFile[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const folder = file.path.split("/")[0]!;
    if (!(folder in LAYERS)) {
      problems.push(`${file.path}: folder ${folder} is not in ARCHITECTURE.md's table`);
      continue;
    }
    for (const { spec, typeOnly } of relativeImports(file.text)) {
      const target = join(dirname(file.path), spec).split(sep).join("/");
      if (target.startsWith("..")) {
        problems.push(`${file.path}: imports ${spec}, outside src/`);
        continue;
      }
      const targetFolder = target.split("/")[0]!;
      if (targetFolder === folder) continue;
      if (!LAYERS[folder]!.includes(targetFolder)) {
        problems.push(`${file.path}: imports ${spec} (${targetFolder}), which ${folder} may not import`);
      } else if (target !== `${targetFolder}/index.js`) {
        problems.push(
          `${file.path}: imports ${spec}; other folders are reached only through ${targetFolder}/index.ts`,
        );
      } else if (!typeOnly && TYPE_ONLY[folder]?.includes(targetFolder)) {
        problems.push(
          `${file.path}: imports ${spec} (${targetFolder}) for values; ${folder} may import its types only`,
        );
      }
    }
  }
  return problems;
}

/** Reads every .ts file under `srcDir` (tests included: they obey the same table). */
export function readSources(srcDir: string): SourceFile[] {
  const root = resolve(srcDir);
  const out: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".ts")) {
        out.push({ path: relative(root, path).split(sep).join("/"), text: readFileSync(path, "utf8") });
      }
    }
  };
  walk(root);
  return out;
}
