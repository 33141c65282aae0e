import { describe, expect, it } from "vitest";
import { createVirtualKeyAccess } from "./virtual-key-access.ts";
import { newVirtualKeySecret } from "./virtual-key-secret.ts";
import type { StoredVirtualKey, VirtualKeyStore } from "./virtual-key-store.ts";

/** A key store whose reads fail while `down` is true. */
function flakyStore(keys: StoredVirtualKey[]): VirtualKeyStore & { down: boolean } {
  const store = {
    down: false,
    async insert() {},
    async get(id: string) {
      if (store.down) throw new Error("connection refused");
      return keys.find((key) => key.id === id);
    },
    async list() {
      return keys;
    },
    async replaceSecret() {
      return false;
    },
    async revoke() {
      return false;
    },
    async activeCount() {
      if (store.down) throw new Error("connection refused");
      return keys.length;
    },
    async close() {},
  };
  return store;
}

const secret = newVirtualKeySecret("vk_aaaaaaaaaaaa");
const key: StoredVirtualKey = {
  id: "vk_aaaaaaaaaaaa",
  createdAt: "2026-12-07T00:00:00.000Z",
  salt: secret.salt,
  hash: secret.hash,
};

function request(credential: string) {
  return {
    provider: "openai",
    method: "POST",
    path: "/chat/completions",
    headers: { authorization: `Bearer ${credential}` },
  };
}

function accessOver(store: VirtualKeyStore, clock: { now: number }, warnings: string[] = []) {
  return createVirtualKeyAccess({
    store,
    providerKeys: new Map([["openai", "sk-provider"]]),
    allowPassThrough: false,
    budgetsEnforced: () => true,
    warn: (message) => warnings.push(message),
    now: () => clock.now,
  });
}

describe("virtual-key access when the key store cannot be read", () => {
  it("a gateway that never saw a key keeps passing provider keys through; a virtual key gets 503", async () => {
    const store = flakyStore([key]);
    store.down = true;
    const warnings: string[] = [];
    const access = accessOver(store, { now: 0 }, warnings);
    expect(await access(request("sk-client"))).toEqual({ kind: "pass-through" });
    expect(await access(request(secret.key))).toMatchObject({ kind: "refused", status: 503 });
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.join(" ")).not.toContain(secret.key);
  });

  it("one that saw keys keeps refusing provider keys, and admits virtual keys once it can read again", async () => {
    const store = flakyStore([key]);
    const clock = { now: 0 };
    const access = accessOver(store, clock);
    expect(await access(request("sk-client"))).toMatchObject({ kind: "refused", status: 401 });
    store.down = true;
    clock.now += 10_000;
    expect(await access(request("sk-client"))).toMatchObject({ kind: "refused", status: 401 });
    store.down = false;
    expect(await access(request(secret.key))).toMatchObject({
      kind: "virtual-key",
      keyId: key.id,
      providerKey: "sk-provider",
    });
  });
});
