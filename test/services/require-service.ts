import { spawnSync } from "node:child_process";

/**
 * The one gate for tests that need something outside Node: PostgreSQL, Prometheus, Chromium,
 * openssl. Under CI a missing service fails the test file, so a green CI run has skipped none;
 * on a developer's machine its tests skip, with a warning that says what to install. Never silent.
 */
export interface ServiceStatus {
  /** What the tests need, e.g. "Prometheus". */
  service: string;
  /** Why it cannot be used right now; undefined when it can. */
  missing: string | undefined;
  /** The exact command (or setting) that provides it. */
  install: string;
}

/** `npm run test:all` provisions every service; named in each message so one fix covers all. */
const PROVISION_ALL = "npm run test:all (as root, with apt-get) provisions every service";

/** Whether this run is CI: `CI` set to anything but an explicit false. */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== "" && value !== "false" && value !== "0";
}

/** What to tell someone whose service is missing. */
export function missingServiceMessage(status: ServiceStatus): string {
  return `${status.service} is not available for the tests (${status.missing}). Install it: ${status.install}. Or: ${PROVISION_ALL}.`;
}

/**
 * True when the service is there. When it is not: throws under CI, else warns loudly and returns
 * false so the caller skips (`describe.skipIf(!requireService(...))`).
 */
export function requireService(
  status: ServiceStatus,
  env: NodeJS.ProcessEnv = process.env,
  warn: (message: string) => void = (message) => console.warn(message),
): boolean {
  if (status.missing === undefined) return true;
  const message = missingServiceMessage(status);
  if (isCi(env)) throw new Error(`${message} (CI is set, so this fails instead of skipping)`);
  warn(`\n!!! SKIPPING the ${status.service} tests: ${message}\n`);
  return false;
}

/** Why `command args` does not run and exit 0, or undefined when it does. */
export function commandMissing(command: string, args: readonly string[]): string | undefined {
  const result = spawnSync(command, args, { stdio: "ignore", timeout: 30_000 });
  if (result.error) return `\`${command}\` cannot run: ${result.error.message}`;
  if (result.status !== 0) return `\`${command} ${args.join(" ")}\` exited with ${result.status}`;
  return undefined;
}
