import { afterEach, describe, expect, it } from "vitest";
import type { GatewayAccessLogEntry } from "../../src/gateway/index.ts";
import { createGateway } from "../../src/gateway/index.ts";
import { type GatewayRig, startGatewayRig } from "./gateway-harness.ts";

let rig: GatewayRig | undefined;

afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const chat = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] };

function postChat(body: unknown = chat): Promise<Response> {
  return fetch(`${rig?.gateway.url}/openai/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
    body: JSON.stringify(body),
  });
}

describe("gateway operations", () => {
  it("serves /healthz, /metrics from the same meter, and the dashboard over its ledger at /", async () => {
    rig = await startGatewayRig();
    expect((await postChat()).status).toBe(200);
    await rig.gateway.meter.flush();
    const health = await fetch(`${rig.gateway.url}/healthz`);
    expect(await health.json()).toEqual({
      status: "ok",
      inFlight: 0,
      recorded: 1,
      lostByLedger: 0,
    });
    const metrics = await (await fetch(`${rig.gateway.url}/metrics`)).text();
    expect(metrics).toMatch(
      /llmeter_requests_total\{provider="openai",model="gpt-4o-mini",tenant="[^"]*",status="success"\} 1/,
    );
    const page = await fetch(`${rig.gateway.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const report = (await (await fetch(`${rig.gateway.url}/api/report?period=all`)).json()) as {
      totals: unknown;
    };
    expect(report.totals).toMatchObject({ totalRequests: 1, successfulRequests: 1 });
  });

  it("/metrics carries the gateway's budgets as gauges, spent after its calls", async () => {
    rig = await startGatewayRig(
      {},
      { budgets: [{ id: "team-daily", window: "day", limitUsd: 5, enforce: true }] },
    );
    expect((await postChat()).status).toBe(200);
    await rig.gateway.meter.flush();
    const [event] = await rig.ledgerEvents();
    const metrics = await (await fetch(`${rig.gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/llmeter_budget_limit_usd\{budget_id="team-daily"[^}]*\} 5\n/);
    const spent = /llmeter_budget_spent_usd\{budget_id="team-daily"[^}]*\} (\S+)/.exec(
      metrics,
    )?.[1];
    expect(Number(spent)).toBeCloseTo(event?.costUsd ?? Number.NaN, 12);
    expect(metrics).toMatch(/llmeter_budget_state\{budget_id="team-daily"[^}]*\} 0\n/);
  });

  it("beyond loopback the dashboard and metrics need the token; the provider routes do not", async () => {
    await expect(
      createGateway({ host: "0.0.0.0", port: 0, ledger: false, dashboard: true }),
    ).rejects.toThrow(
      /without an access token\. Pass a token \(--token or LLMETER_DASHBOARD_TOKEN\), turn the dashboard off/,
    );
    rig = await startGatewayRig({}, { host: "0.0.0.0", token: "let-me-in" });
    const base = `http://127.0.0.1:${rig.gateway.port}`;
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const authorized = { headers: { authorization: "Bearer let-me-in" } };
    expect((await fetch(`${base}/`, authorized)).status).toBe(200);
    expect((await fetch(`${base}/metrics`, authorized)).status).toBe(200);
    const proxied = await fetch(`${base}/openai/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
      body: JSON.stringify(chat),
    });
    expect(proxied.status).toBe(200);
  });

  it("close() lets an in-flight stream finish, records it, and then stops listening", async () => {
    rig = await startGatewayRig({ chunks: 12, chunkDelayMs: 15 });
    const response = await postChat({ ...chat, stream: true });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = new TextDecoder().decode((await reader.read()).value);
    const closed = rig.gateway.close();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await closed;
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    const events = await rig.ledgerEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ streaming: true, success: true });
    expect(events[0]?.outputTokens).toBeGreaterThan(0);
    await expect(postChat()).rejects.toThrow();
  });

  it("the access log names the call without bodies, keys or query strings", async () => {
    const entries: GatewayAccessLogEntry[] = [];
    rig = await startGatewayRig({}, { accessLog: (entry) => entries.push(entry) });
    const key = "AIzaSyD-secret-in-the-query-0123456789";
    const response = await fetch(
      `${rig.gateway.url}/gemini/v1beta/models/gemini-2.5-flash:generateContent?key=${key}`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          contents: [{ role: "user", parts: [{ text: "a private prompt" }] }],
        }),
      },
    );
    expect(response.status).toBe(200);
    await rig.gateway.meter.flush();
    expect(entries).toEqual([
      {
        time: expect.any(String),
        method: "POST",
        path: "/gemini/v1beta/models/gemini-2.5-flash:generateContent",
        provider: "gemini",
        model: "gemini-2.5-flash",
        status: 200,
        outcome: "forwarded",
        durationMs: expect.any(Number),
      },
    ]);
    const everything = JSON.stringify([entries, await rig.ledgerEvents(), rig.diagnostics]);
    expect(everything).not.toContain("secret-in-the-query");
    expect(everything).not.toContain("a private prompt");
  });
});
