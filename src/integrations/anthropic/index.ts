export { type InstrumentAnthropicOptions, instrumentAnthropic } from "./instrument-anthropic.ts";
