// Makes CALLS chat calls against MOCK_URL and prints the mean milliseconds per call.
// EXPLICIT=1 instruments the client with instrumentOpenAI and a meter from the settings instead.
import OpenAI from "openai";

let client = new OpenAI({ apiKey: "bench", baseURL: `${process.env.MOCK_URL}/v1` });
if (process.env.EXPLICIT === "1") {
  const { createMeter, setGlobalMeter } = await import("../../../dist/index.js");
  const { instrumentOpenAI } = await import("../../../dist/integrations/openai/index.js");
  setGlobalMeter(createMeter());
  client = instrumentOpenAI(client);
}
const calls = Number(process.env.CALLS ?? 200);
const request = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Say hello" }] };
for (let index = 0; index < 20; index += 1) await client.chat.completions.create(request);
const started = performance.now();
for (let index = 0; index < calls; index += 1) await client.chat.completions.create(request);
console.log((performance.now() - started) / calls);
