export {
  type GoogleGenAIClientLike,
  type InstrumentGoogleGenAIOptions,
  instrumentGoogleGenAI,
} from "./instrument-google-genai.ts";
