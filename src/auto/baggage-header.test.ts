import { describe, expect, it } from "vitest";
import { baggageEntries } from "./baggage-header.ts";

describe("baggageEntries", () => {
  it("reads keys and percent-encoded values, ignoring properties and spaces", () => {
    const entries = baggageEntries("x-tenant-id=acme%20corp;ttl=3, x-user-id = u1 ,other=1");
    expect([...entries]).toEqual([
      ["x-tenant-id", "acme corp"],
      ["x-user-id", "u1"],
      ["other", "1"],
    ]);
  });

  it("skips malformed members and keeps the first of a repeated key", () => {
    const entries = baggageEntries(["=x,novalue,bad=%E0%A4%A,k=first", "k=second,empty="]);
    expect([...entries]).toEqual([["k", "first"]]);
  });

  it("gives nothing for a missing header", () => {
    expect(baggageEntries(undefined).size).toBe(0);
  });
});
