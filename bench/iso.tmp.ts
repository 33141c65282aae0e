import OpenAI from "openai";
import { instrumentOpenAI } from "../src/integrations/openai/index.ts";
import { createMeter } from "../src/meter/create-meter.ts";
import { startMockProvider } from "../src/testing/index.ts";
const mock = await startMockProvider({ chunks: 50, replyWords: 50 });
const enc = new TextEncoder();
const recs = new Map<string, { parts: Uint8Array[]; headers: [string, string][] }>();
const f: typeof fetch = async (input, init) => {
  const body = String(init?.body); const key = String(body.includes('"include_usage":true')) + body.includes('"stream":true');
  let rec = recs.get(key);
  if (!rec) { const res = await fetch(String(input), { method: "POST", headers: init?.headers, body }); const text = await res.text(); rec = { parts: text.split(/(?<=\n\n)/).filter(Boolean).map((p) => enc.encode(p)), headers: [...res.headers] }; recs.set(key, rec); }
  const parts = rec.parts;
  return new Response(new ReadableStream({ start(c) { for (const p of parts) c.enqueue(p); c.close(); } }), { headers: rec.headers });
};
const meter = createMeter({ sinks: [() => {}], ledger: false, configContext: { env: {}, cwd: "/tmp" } });
const mk = () => new OpenAI({ baseURL: mock.openaiBaseUrl, apiKey: "t", maxRetries: 0, fetch: f });
const stream = process.argv[2] === "stream";
const clients = { bare: mk(), noinj: instrumentOpenAI(mk(), { meter, injectStreamUsage: false }), inj: instrumentOpenAI(mk(), { meter }) };
const messages = [{ role: "user" as const, content: "x" }];
async function call(c: OpenAI) { if (!stream) { await c.chat.completions.create({ model: "gpt-4o-mini", messages }); return; } const s = await c.chat.completions.create({ model: "gpt-4o-mini", messages, stream: true }); for await (const _ of s) {} }
const tick = () => new Promise((r) => setImmediate(r));
const d: Record<string, number[]> = { noinj: [], inj: [] };
const names = Object.keys(clients) as (keyof typeof clients)[];
for (let i = 0; i < 3000; i++) {
  const t: Record<string, number> = {};
  for (let k = 0; k < names.length; k++) { const n = names[(k + i) % names.length]!; const s0 = process.cpuUsage(); await call(clients[n]); await tick(); const u = process.cpuUsage(s0); t[n] = u.user + u.system; }
  if (i > 300) { d.noinj!.push(t.noinj! - t.bare!); d.inj!.push(t.inj! - t.bare!); }
}
const med = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1]!;
console.log(stream ? "stream" : "plain", "noinj", med(d.noinj!), "inj", med(d.inj!));
await mock.close();
