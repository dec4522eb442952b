import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { SkillErrorInfo, SkillMetadata } from "../protocol/index.js";

type SkillScope = SkillMetadata["scope"];

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---(?:\r?\n|$)/;

/** One `SKILL.md`: its front matter as a skill, or why it is not one. */
function readSkill(path: string, scope: SkillScope): SkillMetadata | SkillErrorInfo {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    return { path, message: `cannot read SKILL.md: ${(err as Error).message}` };
  }
  const m = FRONT_MATTER.exec(text);
  if (!m) return { path, message: "missing YAML front matter (--- … ---)" };
  let meta: unknown;
  try {
    meta = parseYaml(m[1]!);
  } catch (err) {
    return { path, message: `invalid YAML front matter: ${(err as Error).message}` };
  }
  const fm = (meta && typeof meta === "object" ? meta : {}) as Record<string, unknown>;
  const name = typeof fm.name === "string" ? fm.name.trim() : "";
  const description = typeof fm.description === "string" ? fm.description.trim() : "";
  if (!name) return { path, message: "front matter has no `name`" };
  if (!description) return { path, message: "front matter has no `description`" };
  const short =
    fm.short_description ?? (fm.metadata as Record<string, unknown> | undefined)?.short_description;
  return {
    name,
    description,
    shortDescription: typeof short === "string" ? short : null,
    path,
    scope,
    enabled: true,
  };
}

/** `<root>/skills/<dir>/SKILL.md`, one level deep, in name order. */
function scanRoot(root: string, scope: SkillScope, skills: SkillMetadata[], errors: SkillErrorInfo[]): void {
  const dir = join(root, "skills");
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // no skills folder: no skills
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!e.isDirectory()) continue;
    const file = join(dir, e.name, "SKILL.md");
    if (!existsSync(file)) continue;
    const r = readSkill(file, scope);
    if ("name" in r) skills.push(r);
    else errors.push(r);
  }
}

/**
 * The skills one cwd sees: its own `skills/` folder (scope `repo`) and `SPOOL_HOME/skills/`
 * (scope `user`). A repo skill shadows a user skill of the same name. Read from disk on every
 * call: the folders are small and a cache would need invalidating on `forceReload`.
 */
export function listSkills(cwd: string, home: string): { skills: SkillMetadata[]; errors: SkillErrorInfo[] } {
  const skills: SkillMetadata[] = [];
  const errors: SkillErrorInfo[] = [];
  scanRoot(resolve(cwd), "repo", skills, errors);
  const repoNames = new Set(skills.map((s) => s.name));
  const user: SkillMetadata[] = [];
  scanRoot(resolve(home), "user", user, errors);
  skills.push(...user.filter((s) => !repoNames.has(s.name)));
  return { skills, errors };
}
