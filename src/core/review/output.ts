import { z } from "zod";

// The reviewer's answer (Codex's `ReviewOutputEvent`) and how Codex renders it as text.

const FindingSchema = z
  .object({
    title: z.string().default(""),
    body: z.string().default(""),
    confidence_score: z.number().default(0),
    priority: z.number().int().nullish(),
    code_location: z
      .object({
        absolute_file_path: z.string().default(""),
        line_range: z.object({ start: z.number().int(), end: z.number().int() }).loose(),
      })
      .loose(),
  })
  .loose();
export type ReviewFinding = z.infer<typeof FindingSchema>;

const OutputSchema = z
  .object({
    findings: z.array(FindingSchema).default([]),
    overall_correctness: z.string().default(""),
    overall_explanation: z.string().default(""),
    overall_confidence_score: z.number().default(0),
  })
  .loose();
export type ReviewOutput = z.infer<typeof OutputSchema>;

function tryParse(text: string): ReviewOutput | undefined {
  try {
    const r = OutputSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The review in the model's last message: its JSON, else the outermost `{…}` inside it, else
 * the whole text as the explanation (Codex's `parse_review_output_event`).
 */
export function parseReviewOutput(text: string): ReviewOutput {
  const whole = tryParse(text);
  if (whole) return whole;
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start >= 0 && end > start) {
    const inner = tryParse(text.slice(start, end + 1));
    if (inner) return inner;
  }
  return { findings: [], overall_correctness: "", overall_explanation: text, overall_confidence_score: 0 };
}

/** Codex's `format_review_findings_block` (no selection marks). */
export function findingsBlock(findings: readonly ReviewFinding[]): string {
  const lines = ["", findings.length > 1 ? "Full review comments:" : "Review comment:"];
  for (const f of findings) {
    lines.push("");
    const loc = f.code_location;
    lines.push(`- ${f.title} — ${loc.absolute_file_path}:${loc.line_range.start}-${loc.line_range.end}`);
    for (const l of f.body.split("\n")) lines.push(`  ${l}`);
  }
  return lines.join("\n");
}

/** The review as a client reads it (`exitedReviewMode.review`, the closing assistant message). */
export function renderReviewOutput(out: ReviewOutput): string {
  const sections: string[] = [];
  const explanation = out.overall_explanation.trim();
  if (explanation) sections.push(explanation);
  if (out.findings.length > 0) {
    const block = findingsBlock(out.findings).trim();
    if (block) sections.push(block);
  }
  return sections.length === 0 ? "Reviewer failed to output a response." : sections.join("\n\n");
}

/** The `{results}` of the thread's review message: explanation, then the findings block. */
export function reviewResults(out: ReviewOutput): string {
  let s = out.overall_explanation.trim();
  if (out.findings.length > 0) s += `\n${findingsBlock(out.findings)}`;
  return s;
}
