import { parse, type ParseEntry } from "shell-quote";

/**
 * Codex's known-safe commands (`is_known_safe_command`): read-only programs that run without
 * asking under `untrusted`. Anything not recognised here is asked about.
 */
const ALWAYS_SAFE = new Set([
  "cat",
  "cd",
  "cut",
  "echo",
  "expr",
  "false",
  "grep",
  "head",
  "id",
  "ls",
  "nl",
  "numfmt",
  "paste",
  "pwd",
  "rev",
  "seq",
  "stat",
  "tac",
  "tail",
  "tr",
  "true",
  "uname",
  "uniq",
  "wc",
  "which",
  "whoami",
]);

/** `find` options that run, delete or write. */
const UNSAFE_FIND = new Set([
  "-exec",
  "-execdir",
  "-ok",
  "-okdir",
  "-delete",
  "-fls",
  "-fprint",
  "-fprint0",
  "-fprintf",
]);

/** `rg` options that run a program or decompress through one. */
const UNSAFE_RG = ["--pre", "--hostname-bin", "--search-zip", "-z"];

const READ_ONLY_GIT = new Set(["status", "log", "diff", "show"]);

/** The operators allowed between plain commands of a script: sequencing and pipes, no redirection. */
const SEQUENCE_OPS = new Set(["&&", "||", ";", "|"]);

function isSafeArgv(argv: readonly string[]): boolean {
  const [cmd, ...args] = argv;
  if (cmd === undefined) return false;
  if (ALWAYS_SAFE.has(cmd)) return true;
  switch (cmd) {
    case "find":
      return !args.some((a) => UNSAFE_FIND.has(a));
    case "rg":
      return !args.some((a) => UNSAFE_RG.some((o) => a === o || a.startsWith(`${o}=`)));
    case "base64":
      return !args.some((a) => a === "-o" || a.startsWith("--output"));
    case "git": {
      const sub = args[0];
      return (
        sub !== undefined &&
        READ_ONLY_GIT.has(sub) &&
        !args.some((a) => a.startsWith("--output") || a === "--ext-diff" || a.startsWith("--exec"))
      );
    }
    case "sed":
      // `sed -n 10p file` / `sed -n 1,20p file`: printing lines only.
      return args.length <= 3 && args[0] === "-n" && /^\d+(,\d+)?p$/.test(args[1] ?? "");
    default:
      return false;
  }
}

/**
 * Splits a script into plain commands, or undefined when it holds anything but words and the
 * sequencing operators: expansions, substitutions, redirections, globs, subshells, comments.
 */
function plainCommands(script: string): string[][] | undefined {
  // shell-quote reads a newline as a space; the shell reads it as the end of a command.
  if (/[\r\n]/.test(script)) return undefined;
  let entries: (ParseEntry | { expansion: string })[];
  try {
    // An env function makes every `$VAR` and `$(…)` come back as an object, not text.
    entries = parse(script, (name) => ({ expansion: name }));
  } catch {
    return undefined;
  }
  const commands: string[][] = [[]];
  for (const e of entries) {
    if (typeof e === "string") {
      // Backticks inside quotes still substitute; braces expand into words (`-{del,}ete`).
      if (/[`{]/.test(e)) return undefined;
      commands[commands.length - 1]!.push(e);
    } else if ("op" in e && SEQUENCE_OPS.has(e.op as string)) {
      commands.push([]);
    } else {
      return undefined;
    }
  }
  return commands.every((c) => c.length > 0) ? commands : undefined;
}

/**
 * Whether a command line is known safe: every command of it is on Codex's read-only list, joined
 * only by `&&`, `||`, `;` or `|`. The script a shell runs (`bash -lc "…"`) is what is judged.
 */
export function isKnownSafeCommand(script: string): boolean {
  const commands = plainCommands(script);
  return commands !== undefined && commands.every(isSafeArgv);
}
