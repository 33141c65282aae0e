import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Virtual key secrets. A key reads `llm-<id>-<secret>`: the id (`vk_` and 12 base-32 characters)
 * finds the stored record, the secret (32 random bytes, base64url) proves the holder. Only an
 * HMAC-SHA-256 of the secret under a per-key random salt is stored (decision 0080): a 256-bit
 * random secret cannot be guessed, so a slow password hash would only cost CPU on every request.
 */

/** What every virtual key starts with, so the gateway tells it from a provider key. */
export const VIRTUAL_KEY_PREFIX = "llm-";

const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
const ID_PATTERN = /^vk_[a-z2-7]{12}$/;

/** A new key id such as `vk_3kq7mz2xw4ab`: 60 random bits, unique in practice, never secret. */
export function newVirtualKeyId(): string {
  const bytes = randomBytes(12);
  let id = "vk_";
  for (const byte of bytes) id += ID_ALPHABET[byte & 31];
  return id;
}

/** A fresh secret for `id`: the whole key (shown once) and what is stored of it. */
export function newVirtualKeySecret(id: string): { key: string; salt: string; hash: string } {
  const secret = randomBytes(32).toString("base64url");
  const salt = randomBytes(16).toString("base64url");
  return { key: `${VIRTUAL_KEY_PREFIX}${id}-${secret}`, salt, hash: hashSecret(secret, salt) };
}

/** The id and secret of a presented key, or undefined when it is not shaped like a virtual key. */
export function parseVirtualKey(key: string): { id: string; secret: string } | undefined {
  if (!key.startsWith(VIRTUAL_KEY_PREFIX)) return undefined;
  const rest = key.slice(VIRTUAL_KEY_PREFIX.length);
  const dash = rest.indexOf("-");
  if (dash === -1) return undefined;
  const id = rest.slice(0, dash);
  const secret = rest.slice(dash + 1);
  if (!ID_PATTERN.test(id) || secret.length < 32) return undefined;
  return { id, secret };
}

/** Whether `secret` is the one whose salted hash is stored, compared in constant time. */
export function secretMatches(secret: string, stored: { salt: string; hash: string }): boolean {
  const given = Buffer.from(hashSecret(secret, stored.salt), "base64url");
  const expected = Buffer.from(stored.hash, "base64url");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Whether `id` is shaped like a key id, for CLI arguments. */
export function isVirtualKeyId(id: string): boolean {
  return ID_PATTERN.test(id);
}

function hashSecret(secret: string, salt: string): string {
  return createHmac("sha256", Buffer.from(salt, "base64url")).update(secret).digest("base64url");
}
