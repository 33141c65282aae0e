// Virtual keys' cost: one secret check (HMAC-SHA-256, as stored, against scrypt at its defaults,
// the alternative decision 0080 turned down), one access decision on a SQLite ledger (lookup +
// check), and a gateway round trip on the loopback mock with a client's own key vs a virtual key.
// Run: node_modules/.bin/node bench/virtual-keys.bench.ts (VIRTUAL_KEYS_BENCH_CALLS=500 for quicker).
import { randomBytes, scryptSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGateway } from "../src/gateway/index.ts";
import { openSqliteVirtualKeyStore } from "../src/gateway/virtual-keys/sqlite-virtual-key-store.ts";
import { createVirtualKeyAccess } from "../src/gateway/virtual-keys/virtual-key-access.ts";
import {
  newVirtualKeyId,
  newVirtualKeySecret,
  parseVirtualKey,
  secretMatches,
} from "../src/gateway/virtual-keys/virtual-key-secret.ts";
import { createSqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { startMockProvider } from "../src/testing/index.ts";
import { median, nanosecondsPerCall, printTable } from "./measure.ts";

const CALLS = Number(process.env.VIRTUAL_KEYS_BENCH_CALLS ?? 2_000);
const folder = mkdtempSync(join(tmpdir(), "llmeter-keys-bench-"));

const id = newVirtualKeyId();
const secret = newVirtualKeySecret(id);
const parsed = parseVirtualKey(secret.key);
if (parsed === undefined) throw new Error("bench: the key does not parse");
const hmacNs = await nanosecondsPerCall(() => secretMatches(parsed.secret, secret), {
  iterations: 50_000,
  runs: 5,
  batch: 5_000,
});
const salt = randomBytes(16);
const scryptNs = await nanosecondsPerCall(() => scryptSync(parsed.secret, salt, 32), {
  iterations: 20,
  runs: 3,
  batch: 10,
});

const ledger = join(folder, "usage.db");
await createSqliteStore(ledger).close();
const writer = openSqliteVirtualKeyStore(ledger, { create: true });
await writer.insert({
  id,
  createdAt: new Date().toISOString(),
  salt: secret.salt,
  hash: secret.hash,
});
const access = createVirtualKeyAccess({
  store: openSqliteVirtualKeyStore(ledger, { create: false }),
  providerKeys: new Map([["openai", "sk-bench"]]),
  allowPassThrough: false,
  budgetsEnforced: () => true,
  warn: () => {},
});
const request = {
  provider: "openai",
  method: "POST",
  path: "/chat/completions",
  headers: { authorization: `Bearer ${secret.key}` },
};
const decisions: number[] = [];
for (let run = 0; run < 5; run++) {
  const start = process.hrtime.bigint();
  for (let index = 0; index < 5_000; index++) await access(request);
  decisions.push(Number(process.hrtime.bigint() - start) / 5_000);
}

const mock = await startMockProvider({ chunks: 2 });
async function roundTripMs(withKey: boolean): Promise<{ p50: number; p99: number }> {
  const cwd = mkdtempSync(join(folder, "gateway-"));
  const path = join(cwd, "usage.db");
  if (withKey) {
    await createSqliteStore(path).close();
    const store = openSqliteVirtualKeyStore(path, { create: true });
    await store.insert({
      id,
      createdAt: new Date().toISOString(),
      salt: secret.salt,
      hash: secret.hash,
    });
    await store.close();
  }
  const gateway = await createGateway({
    port: 0,
    ledger: path,
    dashboard: false,
    providers: { openai: { baseUrl: mock.openaiBaseUrl } },
    configContext: { env: { OPENAI_API_KEY: "sk-bench" }, cwd },
    diagnostics: () => {},
  });
  const body = JSON.stringify({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "Hi" }],
  });
  const headers = {
    "content-type": "application/json",
    authorization: `Bearer ${withKey ? secret.key : "sk-client-own"}`,
  };
  const times: number[] = [];
  for (let index = 0; index < CALLS; index++) {
    const start = performance.now();
    const response = await fetch(`${gateway.url}/openai/v1/chat/completions`, {
      method: "POST",
      headers,
      body,
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`bench: status ${response.status}`);
    times.push(performance.now() - start);
  }
  await gateway.close();
  const sorted = times.slice(CALLS / 10).sort((a, b) => a - b);
  return { p50: median(sorted), p99: sorted[Math.floor(sorted.length * 0.99)] ?? Number.NaN };
}
const passThrough = await roundTripMs(false);
const virtualKey = await roundTripMs(true);
await mock.close();
rmSync(folder, { recursive: true, force: true });

printTable("Virtual keys: one check", [
  { what: "HMAC-SHA-256 secret check (stored format)", µs: (hmacNs / 1000).toFixed(2) },
  { what: "scrypt N=16384 (the alternative)", µs: (scryptNs / 1000).toFixed(0) },
  { what: "access decision, SQLite lookup + check", µs: (median(decisions) / 1000).toFixed(1) },
]);
printTable(
  `Gateway round trip on the loopback mock (${CALLS} sequential calls, first 10 % dropped)`,
  [
    {
      mode: "client's own key (pass-through)",
      "p50 ms": passThrough.p50.toFixed(3),
      "p99 ms": passThrough.p99.toFixed(3),
    },
    {
      mode: "virtual key",
      "p50 ms": virtualKey.p50.toFixed(3),
      "p99 ms": virtualKey.p99.toFixed(3),
    },
  ],
);
