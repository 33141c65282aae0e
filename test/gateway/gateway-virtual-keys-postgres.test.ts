// Virtual keys on a PostgreSQL ledger: keys made with `llmeter keys create --db postgres://…`,
// used by a gateway on the same ledger. The key's tenant and id reach the shared events table,
// its USD budget is enforced from the shared budget tables, and a revocation made by the CLI
// reaches the running gateway on the next request.
import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { createGateway } from "../../src/gateway/index.ts";
import { parseVirtualKey } from "../../src/gateway/virtual-keys/virtual-key-secret.ts";
import { openStore } from "../../src/store/open-store.ts";
import { startMockProvider } from "../../src/testing/index.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { runInProcess } from "../cli/cli-harness.ts";
import {
  describeMissingDatabase,
  runSql,
  schemasDroppedAfterAll,
  TEST_DATABASE_URL,
  testDatabaseAvailable,
} from "../store-postgres/test-database.ts";

const OPENAI_API_KEY = "sk-proj-REALopenaiKEYonPostgres0123456789";
const newSchema = schemasDroppedAfterAll();

if (await testDatabaseAvailable()) {
  describe("virtual keys on a PostgreSQL ledger", () => {
    it("keys created on PostgreSQL are used, budgeted and revoked by a gateway on it", {
      timeout: 60_000,
    }, async () => {
      const schema = newSchema("gateway_keys");
      const url = new URL(TEST_DATABASE_URL);
      url.searchParams.set("schema", schema);
      const ledger = url.toString();
      const cwd = mkdtempSync(join(tmpdir(), "llmeter-keys-pg-"));
      const cli = async (argv: string[]) => {
        const result = await runInProcess([...argv, "--db", ledger], {
          cwd,
          openStore: (location) => openStore(location),
          nowMs: Date.now(),
        });
        if (result.code !== 0) throw new Error(`llmeter ${argv.join(" ")}: ${result.stderr}`);
        return result.stdout;
      };
      const created = JSON.parse(
        await cli([
          "keys",
          "create",
          "--tenant",
          "acme",
          "--user",
          "u1",
          "--limit-usd",
          "0.015",
          "--window",
          "day",
          "--json",
        ]),
      ) as { key: { id: string }; secret: string };
      const id = created.key.id;
      // Only the salted hash is in the table.
      const rows = await runSql(`SELECT * FROM "${schema}".virtual_keys`);
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toContain(parseVirtualKey(created.secret)!.secret);

      const mock = await startMockProvider({ replyWords: 1000 });
      const gateway = await createGateway({
        port: 0,
        ledger,
        dashboard: false,
        providers: { openai: { baseUrl: mock.openaiBaseUrl } },
        configContext: { env: { OPENAI_API_KEY }, cwd },
        diagnostics: () => {},
      });
      try {
        const client = new OpenAI({
          baseURL: `${gateway.url}/openai/v1`,
          apiKey: created.secret,
          maxRetries: 0,
        });
        // gpt-4o: the mock's 1,000-word answer costs about $0.01; a second would pass $0.015.
        const request = {
          model: "gpt-4o",
          max_tokens: 1000,
          messages: [{ role: "user" as const, content: "Write a thousand words." }],
        };
        await client.chat.completions.create(request);
        expect(mock.requests[0]?.credential?.sha256).toBe(
          createHash("sha256").update(OPENAI_API_KEY).digest("hex"),
        );
        await gateway.meter.flush();
        const overBudget = await client.chat.completions
          .create(request)
          .catch((error: unknown) => error);
        expect(overBudget).toBeInstanceOf(OpenAI.RateLimitError);
        expect((overBudget as Error).message).toContain(`budget "key:${id}"`);
        expect(mock.requests).toHaveLength(1);

        await cli(["keys", "revoke", id]);
        const revoked = await client.chat.completions
          .create(request)
          .catch((error: unknown) => error);
        expect(revoked).toBeInstanceOf(OpenAI.AuthenticationError);
        expect(mock.requests).toHaveLength(1);
      } finally {
        await gateway.close();
        await mock.close();
      }
      const store = await openStore(ledger);
      const events: UsageEvent[] = [];
      try {
        for await (const event of store.events()) events.push(event);
      } finally {
        await store.close();
      }
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        tenantId: "acme",
        userId: "u1",
        attributes: { virtualKey: id },
      });
    });
  });
} else {
  describeMissingDatabase("virtual keys on a PostgreSQL ledger");
}
