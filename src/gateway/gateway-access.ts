/**
 * Who may send a request through the gateway, and with which provider key. The gateway asks its
 * `access` hook once per proxied request, before anything is reserved or forwarded. Pass-through
 * (the default) forwards the client's own provider key; a virtual-key implementation swaps the
 * client's llmeter key for the real provider key and names the tenant and user it belongs to.
 */

/** What the hook sees of a request: never its body. */
export interface GatewayAccessRequest {
  /** The provider route the request is for (`openai`, `anthropic`, `gemini`, `groq`, ...). */
  provider: string;
  method: string;
  /** The path after the provider prefix, with its query (`/chat/completions`). */
  path: string;
  /** Lower-cased request headers, as received (credentials included: the hook may need them). */
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** The decision of the `access` hook. */
export type GatewayAccessDecision =
  /** Forward the client's own credentials unchanged; they are never stored or logged. */
  | { kind: "pass-through" }
  /**
   * The client presented a virtual key: it is removed, `providerKey` is sent to the provider in
   * the provider's own header, and the call is attributed to `tenant` and `user` (which win over
   * the attribution headers) and to the attribute `virtualKey=<keyId>`.
   */
  | {
      kind: "virtual-key";
      keyId: string;
      providerKey: string;
      tenant?: string;
      user?: string;
    }
  /**
   * Answered at once in the provider's error shape, with nothing forwarded or recorded; a 429
   * with `retryAfterSeconds` says when to try again (`Retry-After`).
   */
  | {
      kind: "refused";
      status: 401 | 403 | 429 | 503;
      message: string;
      retryAfterSeconds?: number;
    };

/** The `access` option of `createGateway`. */
export type GatewayAccess = (request: GatewayAccessRequest) => Promise<GatewayAccessDecision>;

const PASS_THROUGH: GatewayAccessDecision = Object.freeze({ kind: "pass-through" });

/** The default: every request goes through with the client's own provider key. */
export const passThroughAccess: GatewayAccess = () => Promise.resolve(PASS_THROUGH);
