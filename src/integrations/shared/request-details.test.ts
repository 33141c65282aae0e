import { describe, expect, it } from "vitest";
import {
  assignDefined,
  finishReasonsOf,
  finiteNumber,
  serverFromBaseUrl,
} from "./request-details.ts";

describe("serverFromBaseUrl", () => {
  it("takes the host and the explicit port, else the scheme's default", () => {
    expect(serverFromBaseUrl("https://api.openai.com/v1")).toEqual({
      serverAddress: "api.openai.com",
      serverPort: 443,
    });
    expect(serverFromBaseUrl("http://127.0.0.1:8123/v1")).toEqual({
      serverAddress: "127.0.0.1",
      serverPort: 8123,
    });
    expect(serverFromBaseUrl("http://localhost")).toEqual({
      serverAddress: "localhost",
      serverPort: 80,
    });
  });

  it("drops the brackets of an IPv6 host", () => {
    expect(serverFromBaseUrl("http://[::1]:9000/")).toEqual({
      serverAddress: "::1",
      serverPort: 9000,
    });
  });

  it("never keeps user info, path or query, which can hold secrets", () => {
    const server = serverFromBaseUrl(
      "https://user:sk-secret@example.openai.azure.com/openai/deployments/prod?api-key=sk-2",
    );
    expect(server).toEqual({ serverAddress: "example.openai.azure.com", serverPort: 443 });
    expect(JSON.stringify(server)).not.toContain("sk-");
  });

  it("gives nothing for a missing or unparsable URL, and no port for an unknown scheme", () => {
    expect(serverFromBaseUrl(undefined)).toEqual({});
    expect(serverFromBaseUrl("")).toEqual({});
    expect(serverFromBaseUrl("not a url")).toEqual({});
    expect(serverFromBaseUrl("grpc://collector.local/")).toEqual({
      serverAddress: "collector.local",
    });
  });
});

describe("finiteNumber, assignDefined, finishReasonsOf", () => {
  it("keeps finite numbers only", () => {
    expect(finiteNumber(0)).toBe(0);
    expect(finiteNumber(-2.5)).toBe(-2.5);
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, "1", null, undefined]) {
      expect(finiteNumber(value)).toBeUndefined();
    }
  });

  it("copies defined values only", () => {
    const target: { a?: number; b?: number; c?: number } = { c: 3 };
    assignDefined(target, { a: 1, b: undefined });
    expect(target).toEqual({ a: 1, c: 3 });
    expect(Object.keys(target)).not.toContain("b");
  });

  it("collects each item's reason in order and skips items without one", () => {
    expect(
      finishReasonsOf(
        [{ finish_reason: "stop" }, null, { finish_reason: null }, { finish_reason: "length" }],
        "finish_reason",
      ),
    ).toEqual(["stop", "length"]);
    expect(finishReasonsOf([{}], "finish_reason")).toBeUndefined();
    expect(finishReasonsOf(undefined, "finish_reason")).toBeUndefined();
  });
});
