import type { Command } from "commander";

/** `llmeter demo`: the README's first command. */
export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description(
      "run a mixed workload through the real OpenAI, Anthropic and Gemini SDKs (against the bundled mock provider, or the real API where its key is set), record it in the ledger and print the report",
    )
    .option("--rounds <n>", "rounds of the workload (each makes 10 calls)", "3")
    .option("--mock", "use the mock provider even where an API key is set")
    .option("--db <path>", "ledger file (default: the db setting, .llmeter/usage.db)")
    .option("--json", "print the report as JSON")
    .action(async (options: { rounds: string; mock?: boolean; db?: string; json?: boolean }) => {
      // Loaded when the demo runs: it needs the SDKs, which `--help` and the other commands do not.
      const { runDemo } = await import("../../demo/run-demo.ts");
      await runDemo({
        rounds: Number(options.rounds),
        json: options.json === true,
        mockOnly: options.mock === true,
        db: options.db,
      });
    });
}
