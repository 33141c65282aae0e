import { createHash } from "node:crypto";

/**
 * The id of an imported event that has none: a hash of its content in canonical form (object keys
 * sorted at every level), so the same event gives the same id whichever file, format or key order
 * it comes in, and importing a file twice doesn't count its events twice.
 */
export function contentId(value: unknown): string {
  return `import-${createHash("sha256").update(canonicalJson(value)).digest("hex").slice(0, 32)}`;
}

/** JSON with object keys sorted at every level; what `JSON.stringify` leaves out stays out. */
export function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, inner: unknown) => {
      if (inner === null || typeof inner !== "object" || Array.isArray(inner)) return inner;
      const sorted: Record<string, unknown> = {};
      for (const key of Object.keys(inner).sort())
        sorted[key] = (inner as Record<string, unknown>)[key];
      return sorted;
    }) ?? "null"
  );
}
