export {
  type AnthropicClientLike,
  type InstrumentAnthropicOptions,
  instrumentAnthropic,
} from "./instrument-anthropic.ts";
