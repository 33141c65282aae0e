// llmeter/auto: `node --import llmeter/auto app.mjs`, `node --require llmeter/auto app.cjs` or
// NODE_OPTIONS. Records every OpenAI, Anthropic and Gemini client the application creates.
import { createRequire } from "node:module";
import { resolveConfig } from "../config/resolve-config.ts";

function readSettings() {
  try {
    return resolveConfig().values;
  } catch (error) {
    // A typo in LLMETER_* must not stop the application it meters: say so and record nothing.
    process.stderr.write(`llmeter/auto: ${(error as Error).message} Calls are not recorded.\n`);
    return undefined;
  }
}

const settings = readSettings();
if (settings?.enabled === true) {
  // Loaded only when on, so LLMETER_ENABLED=false costs the settings check and nothing else. A
  // synchronous require (of an ES module, Node >= 22.12) so that the hooks are in place before
  // the application's own `require()`s run under --require.
  const extension = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  const { startAuto } = createRequire(import.meta.url)(
    `./start-auto${extension}`,
  ) as typeof import("./start-auto.ts");
  startAuto(settings);
}
