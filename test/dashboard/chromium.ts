import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { requireService } from "../services/require-service.ts";

/**
 * Debian's headless Chromium (installed by .ci/setup/chromium.sh; set LLMETER_TEST_CHROMIUM to
 * use another binary), shared by the dashboard's browser tests.
 */
export const CHROMIUM = process.env.LLMETER_TEST_CHROMIUM ?? "/usr/bin/chromium";

/** Whether the browser tests can run (they are skipped, and say why, when not). */
export const chromiumInstalled = requireService({
  service: "Chromium",
  missing: existsSync(CHROMIUM) ? undefined : `no file at ${CHROMIUM}`,
  install: "sudo bash .ci/setup/chromium.sh (Debian's chromium), or set LLMETER_TEST_CHROMIUM",
});

/** Starts it headless, with nothing that reaches the network on its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
