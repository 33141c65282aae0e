import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { environmentWarnings } from "./environment-warnings.ts";
import { KNOWN_VARIABLES } from "./settings.ts";

const messages = (env: Record<string, string>) =>
  environmentWarnings(env).map((warning) => warning.message);

describe("environmentWarnings", () => {
  it("names an unknown LLMETER_* variable with the closest one llmeter reads", () => {
    expect(messages({ LLMETER_MAXHISTORY: "5" })).toEqual([
      "unknown environment variable LLMETER_MAXHISTORY is ignored; did you mean LLMETER_MAX_HISTORY?",
    ]);
    expect(messages({ LLMETER_DATABSE_URL: "postgres://db/app" })).toEqual([
      "unknown environment variable LLMETER_DATABSE_URL is ignored; did you mean LLMETER_DATABASE_URL?",
    ]);
    expect(messages({ LLMETER_COLOUR: "1" })).toEqual([
      "unknown environment variable LLMETER_COLOUR is ignored; run `llmeter usage config` for the settings llmeter reads",
    ]);
  });

  it("is silent about the variables llmeter reads and about other prefixes", () => {
    const env = Object.fromEntries([...KNOWN_VARIABLES].map((name) => [name, "x"]));
    delete env.LLMETER_DATABASE_URL; // would disagree with LLMETER_DB
    expect(messages({ ...env, PATH: "/bin", OTEL_SERVICE_NAME: "app", MY_LLMETER_X: "1" })).toEqual(
      [],
    );
  });

  it("says once that LLMETER_DB wins when it and LLMETER_DATABASE_URL disagree", () => {
    expect(
      messages({ LLMETER_DB: "local.db", LLMETER_DATABASE_URL: "postgres://u:pw@db/app" }),
    ).toEqual([
      "LLMETER_DB and LLMETER_DATABASE_URL are both set and disagree; LLMETER_DB wins and LLMETER_DATABASE_URL is ignored. Unset one of them.",
    ]);
    // The same ledger twice is no conflict.
    expect(
      messages({ LLMETER_DB: "postgres://db/app", LLMETER_DATABASE_URL: "postgres://db/app" }),
    ).toEqual([]);
  });

  it("knows every LLMETER_* variable the project's code, tests and scripts mention", () => {
    const root = join(import.meta.dirname, "..", "..");
    const mentioned = new Set<string>();
    const visit = (directory: string) => {
      for (const entry of readdirSync(directory, { withFileTypes: true })) {
        if (entry.name === "node_modules" || entry.name.startsWith(".git")) continue;
        const path = join(directory, entry.name);
        if (entry.isDirectory()) visit(path);
        else if (/\.(ts|js|mjs|sh|json)$/.test(entry.name))
          for (const match of readFileSync(path, "utf8").matchAll(
            /\bLLMETER_[A-Z0-9_]*[A-Z0-9]\b/g,
          ))
            mentioned.add(match[0]);
      }
    };
    for (const folder of ["src", "test", "bench", ".ci"]) visit(join(root, folder));
    // Not variables: a constant's name, and the unknown names this file and the meter's tests make up.
    const notVariables = new Set(["LLMETER_METRICS"]);
    const unknown = [...mentioned].filter(
      (name) => !KNOWN_VARIABLES.has(name) && !notVariables.has(name) && !MADE_UP.test(name),
    );
    expect(unknown).toEqual([]);
  });
});

// Typos the tests use on purpose.
const MADE_UP = /^LLMETER_(MAXHISTORY|DATABSE_URL|COLOUR|ENABLD|TYPO_[A-Z0-9_]+)$/;
