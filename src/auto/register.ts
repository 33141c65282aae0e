// llmeter/auto: `node --import llmeter/auto app.mjs`, `node --require llmeter/auto app.cjs` or
// NODE_OPTIONS. Records every OpenAI, Anthropic and Gemini client the application creates.
import { createRequire } from "node:module";
import type { LlmeterConfig } from "../config/settings.ts";

// Synchronous requires (of ES modules, Node >= 22.12), so that the hooks are in place before the
// application's own `require()`s run under --require.
const load = createRequire(import.meta.url);
const extension = import.meta.url.endsWith(".ts") ? ".ts" : ".js";

// LLMETER_ENABLED wins over every other source of settings, so when it says off nothing else of
// llmeter is even loaded: NODE_OPTIONS can carry --import llmeter/auto at no cost.
const OFF_VALUES = ["false", "0", "no", "off"];
const switchedOff = OFF_VALUES.includes(process.env.LLMETER_ENABLED?.trim().toLowerCase() ?? "");

function readSettings(): LlmeterConfig | undefined {
  try {
    const { resolveConfig } = load(
      `../config/resolve-config${extension}`,
    ) as typeof import("../config/resolve-config.ts");
    return resolveConfig().values;
  } catch (error) {
    // A typo in LLMETER_* must not stop the application it meters: say so and record nothing.
    process.stderr.write(`llmeter/auto: ${(error as Error).message} Calls are not recorded.\n`);
    return undefined;
  }
}

const settings = switchedOff ? undefined : readSettings();
if (settings?.enabled === true) {
  const { startAuto } = load(`./start-auto${extension}`) as typeof import("./start-auto.ts");
  startAuto(settings);
}
