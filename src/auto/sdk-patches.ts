import type Anthropic from "@anthropic-ai/sdk";
import type { GoogleGenAI } from "@google/genai";
import type { OpenAI } from "openai";
import { instrumentAnthropic } from "../integrations/anthropic/instrument-anthropic.ts";
import { instrumentGoogleGenAI } from "../integrations/google/instrument-google-genai.ts";
import { instrumentOpenAI } from "../integrations/openai/instrument-openai.ts";

/**
 * What llmeter/auto patches, declared rather than coded per SDK (OpenTelemetry's
 * `InstrumentationNodeModuleDefinition`): the package, the client classes it exports, and the
 * existing `instrument*` function that each new client goes through, so usage is read in one place.
 */
export interface SdkPatch {
  /** The package name, as the application imports or requires it. */
  module: string;
  /** Exported client classes (the `default` export included where the SDK has one). */
  classExports: readonly string[];
  instrument(client: object): void;
}

export const SDK_PATCHES: readonly SdkPatch[] = [
  {
    module: "openai",
    // AzureOpenAI extends the module's own OpenAI, not the exported stand-in: it needs its own.
    classExports: ["OpenAI", "AzureOpenAI", "default"],
    instrument: (client) => instrumentOpenAI(client as OpenAI),
  },
  {
    module: "@anthropic-ai/sdk",
    classExports: ["Anthropic", "default"],
    instrument: (client) => instrumentAnthropic(client as Anthropic),
  },
  {
    module: "@google/genai",
    classExports: ["GoogleGenAI"],
    instrument: (client) => instrumentGoogleGenAI(client as GoogleGenAI),
  },
];
