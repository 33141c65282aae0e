/**
 * Virtual keys kept in the ledger (SQLite file or PostgreSQL): who a key belongs to, its limits,
 * and the salted hash of its current secret. The secret itself is never stored.
 */

/** The calendar windows a key's USD limit can use (the budget windows of the same name). */
export type VirtualKeyWindow = "day" | "week" | "month";

/** A virtual key as `llmeter keys list` shows it: everything but the secret's hash. */
export interface VirtualKeyRecord {
  /** `vk_…`, stable across rotations. */
  id: string;
  name?: string;
  tenantId?: string;
  userId?: string;
  /** The only provider route the key may call (`openai`, `anthropic`, ...); any when absent. */
  provider?: string;
  /** The key's spend limit, enforced as the budget `key:<id>` over `window`. */
  limitUsd?: number;
  window?: VirtualKeyWindow;
  /** Requests per minute, per gateway process. */
  rateLimitPerMinute?: number;
  /** ISO 8601. */
  createdAt: string;
  rotatedAt?: string;
  revokedAt?: string;
}

/** What is stored of a key's current secret (decision 0080). */
export interface VirtualKeyHash {
  salt: string;
  hash: string;
}

export type StoredVirtualKey = VirtualKeyRecord & VirtualKeyHash;

/** The ledger's virtual keys. */
export interface VirtualKeyStore {
  insert(key: StoredVirtualKey): Promise<void>;
  /** The key with this id (revoked ones included), or undefined. */
  get(id: string): Promise<StoredVirtualKey | undefined>;
  /** Every key, oldest first, without hashes. */
  list(): Promise<VirtualKeyRecord[]>;
  /** Replaces the secret of an unrevoked key; false when there is none with this id. */
  replaceSecret(id: string, secret: VirtualKeyHash, rotatedAt: string): Promise<boolean>;
  /** Revokes an unrevoked key; false when there is none with this id. */
  revoke(id: string, revokedAt: string): Promise<boolean>;
  /** How many keys are not revoked. */
  activeCount(): Promise<number>;
  close(): Promise<void>;
}

/** The budget rule id of a key's USD limit. */
export function keyBudgetId(keyId: string): string {
  return `key:${keyId}`;
}

/** The row fields both stores keep, in one order. */
export const KEY_COLUMNS =
  "id, name, tenant_id, user_id, provider, limit_usd, budget_window, rate_limit_per_minute, salt, secret_hash, created_ms, rotated_ms, revoked_ms";

/** A stored row, as either database returns it (PostgreSQL bigints arrive as strings). */
export interface KeyRow {
  id: string;
  name: string | null;
  tenant_id: string | null;
  user_id: string | null;
  provider: string | null;
  limit_usd: number | null;
  budget_window: string | null;
  rate_limit_per_minute: number | string | null;
  salt: string;
  secret_hash: string;
  created_ms: number | string;
  rotated_ms: number | string | null;
  revoked_ms: number | string | null;
}

/** The row's values in `KEY_COLUMNS` order. */
export function keyRowValues(key: StoredVirtualKey): Array<string | number | null> {
  return [
    key.id,
    key.name ?? null,
    key.tenantId ?? null,
    key.userId ?? null,
    key.provider ?? null,
    key.limitUsd ?? null,
    key.window ?? null,
    key.rateLimitPerMinute ?? null,
    key.salt,
    key.hash,
    Date.parse(key.createdAt),
    key.rotatedAt === undefined ? null : Date.parse(key.rotatedAt),
    key.revokedAt === undefined ? null : Date.parse(key.revokedAt),
  ];
}

/** A stored key from its row. */
export function keyFromRow(row: KeyRow): StoredVirtualKey {
  const key: StoredVirtualKey = {
    id: row.id,
    createdAt: isoTime(row.created_ms),
    salt: row.salt,
    hash: row.secret_hash,
  };
  if (row.name !== null) key.name = row.name;
  if (row.tenant_id !== null) key.tenantId = row.tenant_id;
  if (row.user_id !== null) key.userId = row.user_id;
  if (row.provider !== null) key.provider = row.provider;
  if (row.limit_usd !== null) key.limitUsd = Number(row.limit_usd);
  if (row.budget_window !== null) key.window = row.budget_window as VirtualKeyWindow;
  if (row.rate_limit_per_minute !== null)
    key.rateLimitPerMinute = Number(row.rate_limit_per_minute);
  if (row.rotated_ms !== null) key.rotatedAt = isoTime(row.rotated_ms);
  if (row.revoked_ms !== null) key.revokedAt = isoTime(row.revoked_ms);
  return key;
}

/** The key without what is stored of its secret. */
export function withoutHash(key: StoredVirtualKey): VirtualKeyRecord {
  const { salt: _salt, hash: _hash, ...record } = key;
  return record;
}

function isoTime(ms: number | string): string {
  return new Date(Number(ms)).toISOString();
}
