/**
 * `llmeter/gateway`: the HTTP gateway that meters any language's LLM calls. Point an SDK's base
 * URL at it (`OPENAI_BASE_URL=http://127.0.0.1:4390/openai/v1`); `llmeter gateway` is the same
 * server from the command line. See docs/gateway.md.
 */

export type { GatewayAccessLogEntry } from "./access-log.ts";
export {
  createGateway,
  DEFAULT_GATEWAY_PORT,
  type Gateway,
  type GatewayOptions,
} from "./create-gateway.ts";
export {
  type GatewayAccess,
  type GatewayAccessDecision,
  type GatewayAccessRequest,
  passThroughAccess,
} from "./gateway-access.ts";
export { GATEWAY_PROVIDER_NAMES, GATEWAY_PROVIDERS, type WireFormat } from "./gateway-providers.ts";
