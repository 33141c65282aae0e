import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AUTO_ENTRY, finished, ledgerRows, mockAndFolder, startApp } from "./auto-harness.ts";

const setup = mockAndFolder();

async function listeningPort(child: ReturnType<typeof startApp>): Promise<number> {
  return new Promise((resolve, reject) => {
    let seen = "";
    child.stdout?.on("data", (chunk) => {
      seen += chunk;
      const match = /listening (\d+)/.exec(seen);
      if (match) resolve(Number(match[1]));
    });
    child.on("exit", () => reject(new Error(`the server exited before listening: ${seen}`)));
  });
}

async function serveTwoTenants(env: Record<string, string>) {
  const server = startApp(["--import", AUTO_ENTRY, "http-server.mjs"], {
    MOCK_URL: setup.mock.url,
    ...env,
  });
  const done = finished(server);
  const port = await listeningPort(server);
  const ask = (model: string, delay: number, headers: Record<string, string>) =>
    fetch(`http://127.0.0.1:${port}/?model=${model}&delay=${delay}`, { headers }).then((response) =>
      response.text(),
    );
  // The first request's call starts after the second one's: they overlap while both are served.
  const answers = await Promise.all([
    ask("gpt-4o-mini", 100, { "x-tenant-id": "acme", "x-user-id": "acme-user" }),
    // The second tenant arrives as OpenTelemetry baggage only; its header-less user too.
    ask("gpt-4o", 0, { baggage: "x-tenant-id=globex,x-user-id=globex-user;p=1" }),
  ]);
  await fetch(`http://127.0.0.1:${port}/stop`).then((response) => response.text());
  const run = await done;
  return { answers, run };
}

describe("llmeter/auto attributes calls to the HTTP request being served", () => {
  it("two concurrent requests with different x-tenant-id: each call carries its own tenant", async () => {
    const db = join(setup.folder, "tenants.db");
    const { answers, run } = await serveTwoTenants({ LLMETER_DB: db });
    expect(run.stderr).toBe("");
    expect(answers).toEqual(["22", "22"]);
    const rows = ledgerRows(db).map((row) => [row.model, row.tenant_id]);
    expect(rows).toEqual([
      ["gpt-4o", "globex"],
      ["gpt-4o-mini", "acme"],
    ]);
  });

  it("reads the header names the settings give", async () => {
    const db = join(setup.folder, "custom-header.db");
    await serveTwoTenants({ LLMETER_DB: db, LLMETER_ATTRIBUTION_HEADERS: "tenantId=x-user-id" });
    expect(ledgerRows(db).map((row) => [row.model, row.tenant_id])).toEqual([
      ["gpt-4o", "globex-user"],
      ["gpt-4o-mini", "acme-user"],
    ]);
  });
});
