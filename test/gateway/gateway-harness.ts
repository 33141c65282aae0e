import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGateway, type Gateway, type GatewayOptions } from "../../src/gateway/index.ts";
import { openStore } from "../../src/store/open-store.ts";
import {
  type MockProvider,
  type MockProviderOptions,
  startMockProvider,
} from "../../src/testing/index.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";

/**
 * A gateway in front of one mock provider, and a second identical mock for direct calls: fed the
 * same requests in the same order, the two hand out the same ids, so what a client gets through
 * the gateway can be compared byte for byte with what it gets directly.
 */
export interface GatewayRig {
  gateway: Gateway;
  /** The mock behind the gateway. */
  upstream: MockProvider;
  /** The twin the direct calls go to. */
  direct: MockProvider;
  ledgerPath: string;
  diagnostics: string[];
  /** Every event in the gateway's ledger, after a flush. */
  ledgerEvents(): Promise<UsageEvent[]>;
  /** How many events the ledger holds, read without keeping them (a soak's can be millions). */
  ledgerCount(): Promise<number>;
  close(): Promise<void>;
}

export async function startGatewayRig(
  mockOptions: MockProviderOptions = {},
  gatewayOptions: GatewayOptions = {},
): Promise<GatewayRig> {
  const [upstream, direct] = await Promise.all([
    startMockProvider(mockOptions),
    startMockProvider(mockOptions),
  ]);
  const cwd = mkdtempSync(join(tmpdir(), "llmeter-gateway-"));
  // A test that prepares the ledger first (virtual keys) names it; else a fresh one.
  const ledgerPath =
    typeof gatewayOptions.ledger === "string" ? gatewayOptions.ledger : join(cwd, "usage.db");
  const diagnostics: string[] = [];
  const gateway = await createGateway({
    port: 0,
    ledger: ledgerPath,
    configContext: { env: {}, cwd },
    diagnostics: (level, message) => {
      diagnostics.push(`${level}: ${message}`);
    },
    ...gatewayOptions,
    // A test's routes are added to (or replace one of) the mock's.
    providers: {
      openai: { baseUrl: upstream.openaiBaseUrl },
      anthropic: { baseUrl: upstream.anthropicBaseUrl },
      gemini: { baseUrl: upstream.geminiBaseUrl },
      azure: { baseUrl: upstream.url },
      groq: { baseUrl: upstream.openaiBaseUrl },
      xai: { baseUrl: upstream.openaiBaseUrl },
      openrouter: { baseUrl: upstream.openaiBaseUrl },
      ...gatewayOptions.providers,
    },
  });
  return {
    gateway,
    upstream,
    direct,
    ledgerPath,
    diagnostics,
    async ledgerEvents() {
      await gateway.meter.flush();
      return readLedgerEvents(ledgerPath);
    },
    async ledgerCount() {
      await gateway.meter.flush();
      const store = await openStore(ledgerPath);
      try {
        let count = 0;
        for await (const _ of store.events()) count += 1;
        return count;
      } finally {
        await store.close();
      }
    },
    async close() {
      await gateway.close();
      await Promise.all([upstream.close(), direct.close()]);
    },
  };
}

/** Every event of the ledger at `location`, read with a connection of its own. */
export async function readLedgerEvents(location: string): Promise<UsageEvent[]> {
  const store = await openStore(location);
  try {
    const events: UsageEvent[] = [];
    for await (const event of store.events()) events.push(event);
    return events;
  } finally {
    await store.close();
  }
}

/** A response's text with the wall-clock second stamps (`created`, `created_at`) zeroed. */
export function comparableText(text: string): string {
  return text.replace(/"(created|created_at)":\s*\d+/g, '"$1":0');
}

/** Reads a whole async iterable into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
