import { CREDENTIAL_HEADERS } from "../forward-headers.ts";
import type {
  GatewayAccess,
  GatewayAccessDecision,
  GatewayAccessRequest,
} from "../gateway-access.ts";
import { KeyRateLimiter } from "./key-rate-limiter.ts";
import { providerKeyVariables } from "./provider-keys.ts";
import { parseVirtualKey, secretMatches, VIRTUAL_KEY_PREFIX } from "./virtual-key-secret.ts";
import type { VirtualKeyStore } from "./virtual-key-store.ts";

/** What the virtual-key access hook needs. */
export interface VirtualKeyAccessOptions {
  store: VirtualKeyStore;
  /** Route name → the real provider key sent upstream. */
  providerKeys: ReadonlyMap<string, string>;
  /** Let requests without a virtual key through with their own provider key once keys exist. */
  allowPassThrough: boolean;
  /** Whether the meter enforces budgets: a key with a USD limit is refused when it cannot. */
  budgetsEnforced: () => boolean;
  /** Reports a key-store failure (the request is refused: access fails closed). */
  warn(message: string, error?: unknown): void;
  now?: () => number;
}

// How long "are there any keys?" is remembered: pass-through is refused within this of the first
// `llmeter keys create`, without a query on every pass-through request.
const PRESENCE_REFRESH_MS = 2_000;

/**
 * The gateway's `access` hook for virtual keys: a request that presents an `llm-…` key where the
 * provider key would go (`Authorization: Bearer`, `x-api-key`, `api-key`, `x-goog-api-key`,
 * `?key=`) is checked against the ledger's keys (salted hash, revocation, provider, rate limit)
 * and sent with the real provider key. Any other request passes through with its own key while
 * the ledger has no keys, or with `allowPassThrough`; else it gets a 401.
 */
export function createVirtualKeyAccess(options: VirtualKeyAccessOptions): GatewayAccess {
  const now = options.now ?? Date.now;
  const limiter = new KeyRateLimiter(now);
  let keysExist: { value: boolean; readAtMs: number } | undefined;

  // When the keys cannot be read, the last answer stands; a gateway that never saw a key stays a
  // pass-through (a metering gateway keeps working while its database is down), one that did
  // refuses (decision 0081).
  const anyKeys = async (): Promise<boolean> => {
    const nowMs = now();
    if (keysExist !== undefined && nowMs - keysExist.readAtMs < PRESENCE_REFRESH_MS)
      return keysExist.value;
    try {
      keysExist = { value: (await options.store.activeCount()) > 0, readAtMs: nowMs };
    } catch (error) {
      options.warn("the virtual keys could not be read; the last known state applies", error);
      keysExist = { value: keysExist?.value ?? false, readAtMs: nowMs };
    }
    return keysExist.value;
  };

  const decide = async (request: GatewayAccessRequest): Promise<GatewayAccessDecision> => {
    const presented = presentedVirtualKey(request);
    if (presented === undefined) {
      if (options.allowPassThrough || !(await anyKeys())) return { kind: "pass-through" };
      return refused(
        401,
        "llmeter gateway: this gateway needs a virtual key (llm-…) where the provider key goes; ask its operator for one (llmeter keys create). Provider keys are not accepted here unless the gateway runs with --allow-pass-through.",
      );
    }
    const parsed = parseVirtualKey(presented);
    const key = parsed === undefined ? undefined : await options.store.get(parsed.id);
    if (parsed === undefined || key === undefined || !secretMatches(parsed.secret, key))
      return refused(
        401,
        "llmeter gateway: the virtual key is not valid (unknown, mistyped, or replaced by llmeter keys rotate). Check the key, or ask for a new one.",
      );
    if (key.revokedAt !== undefined)
      return refused(
        401,
        `llmeter gateway: virtual key ${key.id} was revoked at ${key.revokedAt}.`,
      );
    if (key.provider !== undefined && key.provider !== request.provider)
      return refused(
        403,
        `llmeter gateway: virtual key ${key.id} may only call ${key.provider} (/${key.provider}/...), not ${request.provider}.`,
      );
    if (key.limitUsd !== undefined && !options.budgetsEnforced())
      return refused(
        503,
        `llmeter gateway: virtual key ${key.id} has a USD limit, but this gateway started without budgets (the key was created after it started with no keys). Restart the gateway.`,
      );
    const providerKey = options.providerKeys.get(request.provider);
    if (providerKey === undefined)
      return refused(
        503,
        `llmeter gateway: no ${request.provider} key is configured for virtual keys. Set ${providerKeyVariables(request.provider).join(" or ")} in the gateway's environment, or gateway.providers.${request.provider}.apiKey.`,
      );
    if (key.rateLimitPerMinute !== undefined) {
      const admission = limiter.admit(key.id, key.rateLimitPerMinute);
      if (!admission.admitted)
        return refused(
          429,
          `llmeter gateway: virtual key ${key.id} is over its rate limit of ${key.rateLimitPerMinute} requests per minute; retry in ${admission.retryAfterSeconds} s.`,
          admission.retryAfterSeconds,
        );
    }
    return {
      kind: "virtual-key",
      keyId: key.id,
      providerKey,
      ...(key.tenantId === undefined ? {} : { tenant: key.tenantId }),
      ...(key.userId === undefined ? {} : { user: key.userId }),
    };
  };

  return async (request) => {
    try {
      return await decide(request);
    } catch (error) {
      options.warn(
        "the virtual keys could not be read; requests are refused until they can",
        error,
      );
      return refused(
        503,
        "llmeter gateway: the virtual keys could not be checked; try again shortly.",
      );
    }
  };
}

function refused(
  status: 401 | 403 | 429 | 503,
  message: string,
  retryAfterSeconds?: number,
): GatewayAccessDecision {
  return retryAfterSeconds === undefined
    ? { kind: "refused", status, message }
    : { kind: "refused", status, message, retryAfterSeconds };
}

/** The `llm-…` key a request carries in any provider's credential slot, if any. */
function presentedVirtualKey(request: GatewayAccessRequest): string | undefined {
  for (const name of CREDENTIAL_HEADERS) {
    const raw = request.headers[name];
    const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
    if (value === undefined) continue;
    const token = name === "authorization" ? /^Bearer\s+(\S+)$/i.exec(value)?.[1] : value;
    if (token?.startsWith(VIRTUAL_KEY_PREFIX)) return token;
  }
  const queryStart = request.path.indexOf("?");
  if (queryStart === -1) return undefined;
  const key = new URLSearchParams(request.path.slice(queryStart)).get("key");
  return key?.startsWith(VIRTUAL_KEY_PREFIX) ? key : undefined;
}
