export {
  type InstrumentOpenAIOptions,
  instrumentOpenAI,
  type OpenAIClientLike,
} from "./instrument-openai.ts";
