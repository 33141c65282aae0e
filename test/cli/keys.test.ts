// `llmeter keys`: bad input is refused before anything is written, the secret is printed once and
// never listed, and rotating or revoking a key that is not there says so.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { parseVirtualKey } from "../../src/gateway/virtual-keys/virtual-key-secret.ts";
import { openStore } from "../../src/store/open-store.ts";
import { runInProcess } from "./cli-harness.ts";

let cwd: string;
let ledger: string;

beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), "llmeter-keys-cli-"));
  ledger = join(cwd, "usage.db");
});

function keys(...argv: string[]) {
  return runInProcess(["keys", ...argv, "--db", ledger], {
    cwd,
    openStore: (location) => openStore(location),
  });
}

describe("llmeter keys", () => {
  it("create prints the key once; list shows its owner and limits but never the secret", async () => {
    const created = await keys(
      "create",
      "--tenant",
      "acme",
      "--user",
      "u1",
      "--limit-usd",
      "50",
      "--rate-limit",
      "60/min",
      "--name",
      "web",
    );
    expect(created.code).toBe(0);
    const secret = /\s(llm-vk_[a-z2-7]{12}-\S+)/.exec(created.stdout)?.[1] ?? "";
    expect(secret).not.toBe("");
    expect(created.stdout).toContain("only time the secret is shown");
    const id = secret.slice(4, 19);

    const listed = await keys("list");
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain("acme");
    expect(listed.stdout).toContain("60/min");
    expect(listed.stdout).toMatch(/\$50\.0+\/day/);
    const json = await keys("list", "--json");
    const [key] = JSON.parse(json.stdout).keys;
    expect(key).toEqual({
      id,
      name: "web",
      tenantId: "acme",
      userId: "u1",
      limitUsd: 50,
      window: "day",
      rateLimitPerMinute: 60,
      createdAt: "2026-11-22T12:00:00.000Z",
    });
    const body = parseVirtualKey(secret)!.secret;
    for (const text of [listed.stdout, json.stdout, readFileSync(ledger).toString("latin1")])
      expect(text).not.toContain(body);
    // Its limit is a budget like any other.
    expect(
      (await runInProcess(["budget", "list", "--db", ledger], { cwd, openStore })).stdout,
    ).toContain(`key:${id}`);
  });

  it("bad flags are refused with what to write instead, and nothing is created", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["--limit-usd", "fifty"], /--limit-usd "fifty" is not an amount.*--limit-usd 50/],
      [["--limit-usd", "0"], /--limit-usd "0" is not an amount/],
      [
        ["--window", "year", "--limit-usd", "5"],
        /--window "year" is unknown. Use day, week or month/,
      ],
      [
        ["--window", "week"],
        /--window week is the window of a spend limit.*--limit-usd 50 --window week/,
      ],
      [["--rate-limit", "10/hour"], /--rate-limit "10\/hour" is not a rate.*60\/min/],
      [["--provider", "openia"], /--provider "openia" is not a gateway route. Use one of openai/],
      [["--tenant", " "], /--tenant is empty/],
    ];
    for (const [flags, message] of cases) {
      const result = await keys("create", ...flags);
      expect(result.code, flags.join(" ")).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    await keys("create", "--tenant", "acme");
    expect(JSON.parse((await keys("list", "--json")).stdout).keys).toHaveLength(1);
  });

  it("budget set and remove leave a key's budget to llmeter keys, and say how to change it", async () => {
    const created = JSON.parse((await keys("create", "--limit-usd", "50", "--json")).stdout);
    const budgetId = `key:${created.key.id}`;
    const budget = (...argv: string[]) =>
      runInProcess(["budget", ...argv, "--db", ledger], {
        cwd,
        openStore: (location) => openStore(location),
      });
    for (const argv of [
      ["set", budgetId, "--window", "day", "--limit-usd", "500", "--enforce"],
      ["remove", budgetId],
    ]) {
      const refused = await budget(...argv);
      expect(refused.code, argv.join(" ")).toBe(2);
      expect(refused.stderr).toContain(`llmeter keys revoke ${created.key.id}`);
    }
    const listed = JSON.parse((await budget("list", "--json")).stdout) as {
      budgets: Array<{ id: string; limitUsd?: number }>;
    };
    expect(listed.budgets.find((rule) => rule.id === budgetId)?.limitUsd).toBe(50);
  });

  it("rotate and revoke name a missing or revoked key", async () => {
    const created = JSON.parse((await keys("create", "--json")).stdout);
    const rotated = await keys("rotate", created.key.id, "--json");
    expect(Object.keys(JSON.parse(rotated.stdout).key).sort()).toEqual([
      "createdAt",
      "id",
      "rotatedAt",
    ]);
    const missing = await keys("rotate", "vk_aaaaaaaaaaaa");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No virtual key "vk_aaaaaaaaaaaa" in the ledger');
    expect((await keys("revoke", created.key.id)).code).toBe(0);
    const again = await keys("rotate", created.key.id);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("a revoked key stays revoked");
    expect((await keys("revoke", created.key.id)).stderr).toContain("was revoked at");
  });
});
