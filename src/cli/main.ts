#!/usr/bin/env node
// The `llmeter` command-line interface. Each command lives in ./commands/ and registers itself.
import { runCli } from "./run-cli.ts";

// `llmeter usage export | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2));
