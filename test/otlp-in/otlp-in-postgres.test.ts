import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { describe, expect, it } from "vitest";
import { createGateway, type Gateway } from "../../src/gateway/index.ts";
import { createPostgresStore } from "../../src/store/postgres/index.ts";
import {
  describeMissingDatabase,
  schemasDroppedAfterAll,
  TEST_DATABASE_URL,
  testDatabaseAvailable,
} from "../store-postgres/test-database.ts";
import { finishedSpans } from "./sdk-spans.ts";

const newSchema = schemasDroppedAfterAll();

if (await testDatabaseAvailable()) {
  describe("OTLP in on a PostgreSQL ledger", () => {
    it("the same span sent to two gateways of one fleet is one event", async () => {
      const url = new URL(TEST_DATABASE_URL);
      url.searchParams.set("schema", newSchema("otlp_in"));
      const ledger = url.toString();
      const gateways: Gateway[] = [];
      for (let index = 0; index < 2; index++)
        gateways.push(
          await createGateway({
            port: 0,
            ledger,
            dashboard: false,
            configContext: { env: {}, cwd: process.cwd() },
            diagnostics: () => {},
          }),
        );
      try {
        const spans = await finishedSpans([
          {
            name: "chat gpt-4o",
            attributes: {
              "gen_ai.provider.name": "openai",
              "gen_ai.request.model": "gpt-4o",
              "gen_ai.usage.input_tokens": 500,
              "gen_ai.usage.output_tokens": 50,
            },
          },
        ]);
        const body = ProtobufTraceSerializer.serializeRequest(spans)!;
        for (const gateway of [...gateways, ...gateways]) {
          const response = await fetch(`${gateway.url}/v1/traces`, {
            method: "POST",
            headers: { "content-type": "application/x-protobuf" },
            body,
          });
          expect(response.status).toBe(200);
        }
        await Promise.all(gateways.map((gateway) => gateway.meter.flush()));
        const store = createPostgresStore({ url: ledger });
        try {
          const events = [];
          for await (const event of store.events()) events.push(event);
          const { traceId, spanId } = spans[0]!.spanContext();
          expect(events.map((event) => event.id)).toEqual([`${traceId}-${spanId}`]);
          expect(events[0]!.costUsd).toBeGreaterThan(0);
        } finally {
          await store.close();
        }
      } finally {
        await Promise.all(gateways.map((gateway) => gateway.close()));
      }
    }, 60_000);
  });
} else {
  describeMissingDatabase("OTLP in on a PostgreSQL ledger");
}
