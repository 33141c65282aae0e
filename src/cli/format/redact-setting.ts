/**
 * Settings can hold secrets: a password in a PostgreSQL URL (`db`), authentication headers for
 * the OTLP collector (`otel.headers`). The CLI shows settings on screen and in `--json` output,
 * which end up in terminals, CI logs and bug reports, so it masks them everywhere it prints one.
 */

/** A ledger location with the password of a `scheme://user:password@host` URL replaced by `***`. */
export function redactLocation(location: string): string {
  return location.replace(/(\/\/[^:/@]+:)[^@]*@/, "$1***@");
}

/** The value of setting `name`, safe to print: secrets replaced by `***`, everything else kept. */
export function redactSettingValue(name: string, value: unknown): unknown {
  if (name === "db" && typeof value === "string") return redactLocation(value);
  if (name === "otel" && typeof value === "object" && value !== null && "headers" in value) {
    const headers = (value as { headers?: unknown }).headers;
    if (typeof headers !== "object" || headers === null) return value;
    const masked = Object.fromEntries(Object.keys(headers).map((key) => [key, "***"]));
    return { ...value, headers: masked };
  }
  return value;
}
