export { type InstrumentOpenAIOptions, instrumentOpenAI } from "./instrument-openai.ts";
