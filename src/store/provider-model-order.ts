/** Orders per-model rows by provider, then model (byte order), as reports list them. */
export function compareProviderThenModel(
  a: { provider: string; model: string },
  b: { provider: string; model: string },
): number {
  if (a.provider !== b.provider) return a.provider < b.provider ? -1 : 1;
  return a.model < b.model ? -1 : a.model > b.model ? 1 : 0;
}
