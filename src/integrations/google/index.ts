export {
  type InstrumentGoogleGenAIOptions,
  instrumentGoogleGenAI,
} from "./instrument-google-genai.ts";
