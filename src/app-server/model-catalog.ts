import type { CatalogModel, SpoolConfig } from "../config/index.js";
import type { Model, ModelListParams, ModelListResponse } from "../protocol/index.js";
import { JsonRpcError } from "../rpc/index.js";

const EFFORT_DESCRIPTIONS: Record<string, string> = {
  minimal: "Fastest responses with the least reasoning",
  low: "Fast responses with lighter reasoning",
  medium: "Balances speed and reasoning depth for everyday tasks",
  high: "Greater reasoning depth for complex or ambiguous problems",
  xhigh: "Extra high reasoning depth for the hardest problems",
};

/** Used when config.toml has no `[[model_catalog]]`. */
export const BUILT_IN_CATALOG: readonly CatalogModel[] = [
  {
    id: "gpt-5.1-codex",
    description: "Optimized for agentic coding",
    hidden: false,
    is_default: true,
    default_reasoning_effort: "medium",
    supported_reasoning_efforts: ["low", "medium", "high"],
  },
  {
    id: "gpt-5.1-codex-mini",
    description: "Cheaper, faster, less capable coding model",
    hidden: false,
    is_default: false,
    default_reasoning_effort: "medium",
    supported_reasoning_efforts: ["medium", "high"],
  },
  {
    id: "gpt-5.1",
    description: "Broad world knowledge with strong general reasoning",
    hidden: false,
    is_default: false,
    default_reasoning_effort: "medium",
    supported_reasoning_efforts: ["low", "medium", "high"],
  },
];

const DEFAULT_PAGE = 50;

function toModel(entry: CatalogModel, isDefault: boolean): Model {
  return {
    id: entry.id,
    model: entry.model ?? entry.id,
    displayName: entry.display_name ?? entry.id,
    description: entry.description,
    hidden: entry.hidden,
    isDefault,
    supportedReasoningEfforts: entry.supported_reasoning_efforts.map((e) => ({
      reasoningEffort: e,
      description: EFFORT_DESCRIPTIONS[e] ?? e,
    })),
    defaultReasoningEffort: entry.default_reasoning_effort,
    inputModalities: entry.input_modalities ?? ["text", "image"],
    supportsPersonality: false,
  };
}

function decodeCursor(cursor: string): number {
  const m = /^o(\d+)$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!m) throw JsonRpcError.invalidParams(`Invalid params: cursor: not a cursor this server issued`);
  return Number(m[1]);
}

function encodeCursor(offset: number): string {
  return Buffer.from(`o${offset}`).toString("base64url");
}

/** The models `model/list` serves: the configured catalog, else the built-in one, with the configured `model` as default. */
export class ModelCatalog {
  private readonly models: Model[];

  constructor(config: SpoolConfig) {
    const entries = config.model_catalog ?? BUILT_IN_CATALOG;
    const configured = config.model !== undefined && entries.some((e) => e.id === config.model);
    this.models = entries.map((e) => toModel(e, configured ? e.id === config.model : e.is_default));
  }

  /** Whether the catalog lists `model` (hidden models count). */
  has(model: string): boolean {
    return this.models.some((m) => m.id === model || m.model === model);
  }

  list(params: ModelListParams): ModelListResponse {
    const visible = params.includeHidden ? this.models : this.models.filter((m) => !m.hidden);
    const offset = params.cursor ? decodeCursor(params.cursor) : 0;
    const limit = params.limit ? params.limit : DEFAULT_PAGE;
    const data = visible.slice(offset, offset + limit);
    const next = offset + data.length;
    return { data, nextCursor: next < visible.length ? encodeCursor(next) : null };
  }
}
