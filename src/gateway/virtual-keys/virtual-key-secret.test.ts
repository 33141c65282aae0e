import { describe, expect, it } from "vitest";
import {
  isVirtualKeyId,
  newVirtualKeyId,
  newVirtualKeySecret,
  parseVirtualKey,
  secretMatches,
} from "./virtual-key-secret.ts";

describe("virtual key secrets", () => {
  it("a new key parses back to its id, and only its own secret matches the stored hash", () => {
    const id = newVirtualKeyId();
    expect(isVirtualKeyId(id)).toBe(true);
    const { key, salt, hash } = newVirtualKeySecret(id);
    expect(key.startsWith(`llm-${id}-`)).toBe(true);
    const parsed = parseVirtualKey(key);
    expect(parsed?.id).toBe(id);
    expect(secretMatches(parsed?.secret ?? "", { salt, hash })).toBe(true);
    expect(key).not.toContain(hash);

    const other = newVirtualKeySecret(id);
    expect(other.salt).not.toBe(salt);
    expect(secretMatches(parseVirtualKey(other.key)?.secret ?? "", { salt, hash })).toBe(false);
    // The same secret under another salt hashes differently: equal secrets never show as equal rows.
    expect(secretMatches(parsed?.secret ?? "", { salt: other.salt, hash })).toBe(false);
  });

  it("anything not shaped like a virtual key is not one", () => {
    for (const key of [
      "sk-proj-abc",
      "llm-",
      "llm-vk_short-abc",
      `llm-vk_aaaaaaaaaaaa-${"x".repeat(10)}`,
      `llm-VK_AAAAAAAAAAAA-${"x".repeat(43)}`,
    ])
      expect(parseVirtualKey(key)).toBeUndefined();
    expect(parseVirtualKey(`llm-vk_aaaaaaaaaaaa-${"x-".repeat(22)}`)?.secret).toBe("x-".repeat(22));
  });
});
