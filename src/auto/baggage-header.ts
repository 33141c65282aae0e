/**
 * The entries of a W3C `baggage` request header (https://www.w3.org/TR/baggage/), by key:
 * `key1=value1;property,key2=value2`, values percent-encoded. Malformed members are skipped,
 * as the specification asks, rather than failing the request that carried them.
 */
export function baggageEntries(header: string | string[] | undefined): Map<string, string> {
  const entries = new Map<string, string>();
  if (header === undefined) return entries;
  const text = Array.isArray(header) ? header.join(",") : header;
  for (const member of text.split(",")) {
    const [pair = ""] = member.split(";", 1);
    const separator = pair.indexOf("=");
    if (separator <= 0) continue;
    const key = pair.slice(0, separator).trim();
    const value = decodeValue(pair.slice(separator + 1).trim());
    // The first member with a key wins: a caller cannot override an earlier entry by appending.
    if (key !== "" && value !== undefined && value !== "" && !entries.has(key))
      entries.set(key, value);
  }
  return entries;
}

function decodeValue(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
