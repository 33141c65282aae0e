import type { MatchRule } from "./types.ts";

// A prefix followed by another short version number names a different model: `claude-sonnet-5`
// must not price `claude-sonnet-5-5`, nor `gpt-4` price `gpt-4.1`. Dates (`-20250929`) are fine.
const NEWER_VERSION = /^[-.]\d{1,2}(?:$|[-.@:])/;

const regexCache = new Map<string, RegExp>();

/** True when `modelId` (lower case) satisfies `rule`; comparisons ignore case. */
export function matchesRule(rule: MatchRule, modelId: string): boolean {
  if ("or" in rule) return rule.or.some((inner) => matchesRule(inner, modelId));
  if ("and" in rule) return rule.and.every((inner) => matchesRule(inner, modelId));
  if ("equals" in rule) return modelId === rule.equals.toLowerCase();
  if ("startsWith" in rule) {
    const prefix = rule.startsWith.toLowerCase();
    return modelId.startsWith(prefix) && !NEWER_VERSION.test(modelId.slice(prefix.length));
  }
  if ("endsWith" in rule) return modelId.endsWith(rule.endsWith.toLowerCase());
  if ("contains" in rule) return modelId.includes(rule.contains.toLowerCase());
  if ("regex" in rule) {
    let pattern = regexCache.get(rule.regex);
    if (pattern === undefined) {
      pattern = new RegExp(rule.regex, "i");
      regexCache.set(rule.regex, pattern);
    }
    return pattern.test(modelId);
  }
  return "any" in rule && rule.any;
}

/** The exact ids a rule names (its `equals` leaves), for the exact-match index. */
export function exactIdsOf(rule: MatchRule): string[] {
  if ("or" in rule) return rule.or.flatMap(exactIdsOf);
  if ("equals" in rule) return [rule.equals.toLowerCase()];
  return [];
}

/** Converts genai-prices' snake_case match logic into a `MatchRule`; throws on an unknown clause. */
export function fromGenaiMatch(logic: unknown, where: string): MatchRule {
  if (logic === null || typeof logic !== "object") {
    throw new Error(`${where}: match must be an object, got ${JSON.stringify(logic)}`);
  }
  const clause = logic as Record<string, unknown>;
  if (Array.isArray(clause.or))
    return { or: clause.or.map((inner) => fromGenaiMatch(inner, where)) };
  if (Array.isArray(clause.and))
    return { and: clause.and.map((inner) => fromGenaiMatch(inner, where)) };
  for (const [key, name] of [
    ["equals", "equals"],
    ["starts_with", "startsWith"],
    ["ends_with", "endsWith"],
    ["contains", "contains"],
    ["regex", "regex"],
  ] as const) {
    const value = clause[key];
    if (typeof value === "string") return { [name]: value } as MatchRule;
  }
  throw new Error(`${where}: unknown match clause ${JSON.stringify(logic)}`);
}
