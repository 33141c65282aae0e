import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { OTHER_VARIABLES, SETTING_NAMES, SETTINGS } from "../../src/config/settings.ts";

const readme = readFileSync(resolve(import.meta.dirname, "../../README.md"), "utf8");
const packageJson = JSON.parse(
  readFileSync(resolve(import.meta.dirname, "../../package.json"), "utf8"),
) as { scripts: Record<string, string> };

describe("the README stays true", () => {
  it("documents every setting with its environment variable", () => {
    for (const name of SETTING_NAMES) {
      // Table cells may be padded by the formatter.
      expect(readme).toMatch(
        new RegExp(`\\|\\s*\`${name}\`\\s*\\|\\s*\`${SETTINGS[name].env}\`\\s*\\|`),
      );
    }
  });

  it("documents the other LLMETER_* variables and the ledger's alias variable", () => {
    for (const name of [...Object.keys(OTHER_VARIABLES), ...(SETTINGS.db.envAliases ?? [])])
      expect(readme).toContain(`\`${name}`);
  });

  it("names the two set-up commands, and both exist as scripts", () => {
    expect(readme).toContain("npm install && npm run demo");
    expect(readme).toContain("npm test");
    expect(packageJson.scripts.demo).toBeDefined();
    expect(packageJson.scripts.test).toBeDefined();
  });
});
