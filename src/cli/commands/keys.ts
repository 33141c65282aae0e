import type { Command } from "commander";
import type { BudgetLedger } from "../../budgets/budget-ledger.ts";
import { type ResolvedBudgetRule, resolveBudgetRule } from "../../budgets/budget-rule.ts";
import { GATEWAY_PROVIDER_NAMES } from "../../gateway/gateway-providers.ts";
import {
  keyBudgetId,
  type VirtualKeyRecord,
  type VirtualKeyStore,
  type VirtualKeyWindow,
  withoutHash,
} from "../../gateway/virtual-keys/virtual-key-store.ts";
import { type CliContext, writeOut } from "../cli-context.ts";
import { CliError, CliUsageError } from "../cli-errors.ts";
import { formatUsd } from "../format/numbers.ts";
import { renderTable } from "../format/table.ts";
import { layoutFor, toJsonText } from "../format/text-layout.ts";
import { isDatabaseUrl } from "../open-ledger.ts";
import { addLedgerOption } from "../usage-query.ts";
import { withBudgetLedger } from "./budget.ts";

/** The `--json` shape of `keys create|rotate|list`. */
export const KEYS_SCHEMA_VERSION = 1;

interface CreateFlags {
  db?: string;
  tenant?: string;
  user?: string;
  name?: string;
  provider?: string;
  limitUsd?: string;
  window?: string;
  rateLimit?: string;
  json?: boolean;
}

const WINDOWS: readonly VirtualKeyWindow[] = ["day", "week", "month"];

/**
 * `llmeter keys create|list|rotate|revoke`: the gateway's virtual keys, kept in the ledger as
 * salted hashes. A key's secret is printed once, by `create` and `rotate`.
 */
export function registerKeysCommand(program: Command, context: CliContext): void {
  const keys = program
    .command("keys")
    .description(
      "virtual keys for the gateway: clients send them instead of provider keys (limits, attribution)",
    );

  addLedgerOption(
    keys
      .command("create")
      .description("create a virtual key and print it (once)")
      .option("--tenant <id>", "the tenant its calls are attributed to")
      .option("--user <id>", "the user its calls are attributed to")
      .option("--name <text>", "a label for keys list")
      .option(
        "--provider <route>",
        `the only provider route it may call (${GATEWAY_PROVIDER_NAMES.join(", ")})`,
      )
      .option("--limit-usd <amount>", "spend limit per window, enforced before each call")
      .option("--window <window>", "window of --limit-usd: day, week or month (default: day)")
      .option("--rate-limit <rate>", "requests per minute per gateway process, e.g. 60/min")
      .option("--json", "print JSON"),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  llmeter keys create --tenant acme --user u1 --limit-usd 50 --window day\n  llmeter keys create --tenant acme --provider anthropic --rate-limit 60/min --name ci",
    )
    .action(async (flags: CreateFlags) => {
      const record = recordFromFlags(flags, context);
      const { newVirtualKeyId, newVirtualKeySecret } = await import(
        "../../gateway/virtual-keys/virtual-key-secret.ts"
      );
      const id = newVirtualKeyId();
      const secret = newVirtualKeySecret(id);
      const key: VirtualKeyRecord = { id, ...record };
      await withKeys(flags, context, true, async (store, budgets) => {
        // The limit first: a key never exists without the budget that bounds it.
        const rule = keyRule(key);
        if (rule !== undefined) budgets.saveRule(rule, context.now());
        try {
          await store.insert({ ...key, salt: secret.salt, hash: secret.hash });
        } catch (error) {
          if (rule !== undefined) budgets.removeRule(rule.id);
          throw error;
        }
      });
      await printSecret(context, flags.json === true, key, secret.key, "created");
    });

  addLedgerOption(
    keys
      .command("list")
      .description("the virtual keys: ids, owners, limits, state (never the secrets)")
      .option("--json", "print JSON"),
  ).action(async (flags: { db?: string; json?: boolean }) => {
    const list = await withKeys(flags, context, false, (store) => store.list());
    if (flags.json === true) {
      await writeOut(
        context.stdout,
        toJsonText({ schemaVersion: KEYS_SCHEMA_VERSION, keys: list }),
      );
      return;
    }
    if (list.length === 0) {
      await writeOut(
        context.stdout,
        "No virtual keys. Create one with: llmeter keys create --tenant acme --limit-usd 50\n",
      );
      return;
    }
    const { colors } = layoutFor(context);
    const table = renderTable(
      [
        { title: "Id" },
        { title: "Name" },
        { title: "Tenant" },
        { title: "User" },
        { title: "Provider" },
        { title: "Limit" },
        { title: "Rate" },
        { title: "State" },
      ],
      list.map((key) => [
        key.id,
        key.name ?? "",
        key.tenantId ?? "",
        key.userId ?? "",
        key.provider ?? "any",
        key.limitUsd === undefined ? "" : `${formatUsd(key.limitUsd)}/${key.window ?? "day"}`,
        key.rateLimitPerMinute === undefined ? "" : `${key.rateLimitPerMinute}/min`,
        key.revokedAt === undefined ? "active" : `revoked ${key.revokedAt}`,
      ]),
      colors,
    );
    await writeOut(context.stdout, `${table}\n`);
  });

  addLedgerOption(
    keys
      .command("rotate <id>")
      .description("give a key a new secret (same id, owner and limits); the old one stops working")
      .option("--json", "print JSON"),
  ).action(async (id: string, flags: { db?: string; json?: boolean }) => {
    const { newVirtualKeySecret } = await import(
      "../../gateway/virtual-keys/virtual-key-secret.ts"
    );
    const secret = newVirtualKeySecret(id);
    const key = await withKeys(flags, context, false, async (store) => {
      const rotatedAt = new Date(context.now()).toISOString();
      if (!(await store.replaceSecret(id, secret, rotatedAt))) throw await missingKey(store, id);
      const rotated = await store.get(id);
      if (rotated === undefined) throw await missingKey(store, id);
      return withoutHash(rotated);
    });
    await printSecret(context, flags.json === true, key, secret.key, "rotated");
  });

  addLedgerOption(
    keys
      .command("revoke <id>")
      .description("stop a key for good: the gateway answers it with 401 from its next request"),
  ).action(async (id: string, flags: { db?: string }) => {
    await withKeys(flags, context, false, async (store, budgets) => {
      if (!(await store.revoke(id, new Date(context.now()).toISOString())))
        throw await missingKey(store, id);
      // Its spend stays in the ledger; the budget that bounded it has nothing left to bound.
      budgets.removeRule(keyBudgetId(id));
    });
    await writeOut(context.stdout, `Virtual key ${id} revoked.\n`);
  });
}

/** The key's fields from the flags, every one checked before anything is written. */
function recordFromFlags(flags: CreateFlags, context: CliContext): Omit<VirtualKeyRecord, "id"> {
  const record: Omit<VirtualKeyRecord, "id"> = {
    createdAt: new Date(context.now()).toISOString(),
  };
  for (const [flag, value, field] of [
    ["--tenant", flags.tenant, "tenantId"],
    ["--user", flags.user, "userId"],
    ["--name", flags.name, "name"],
  ] as const) {
    if (value === undefined) continue;
    if (value.trim() === "")
      throw new CliUsageError(
        `${flag} is empty. Give a value, e.g. ${flag} acme, or leave it out.`,
      );
    record[field] = value.trim();
  }
  if (flags.provider !== undefined) {
    if (!GATEWAY_PROVIDER_NAMES.includes(flags.provider))
      throw new CliUsageError(
        `--provider "${flags.provider}" is not a gateway route. Use one of ${GATEWAY_PROVIDER_NAMES.join(", ")}.`,
      );
    record.provider = flags.provider;
  }
  const window = flags.window ?? "day";
  if (!(WINDOWS as readonly string[]).includes(window))
    throw new CliUsageError(`--window "${window}" is unknown. Use day, week or month.`);
  if (flags.window !== undefined && flags.limitUsd === undefined)
    throw new CliUsageError(
      `--window ${flags.window} is the window of a spend limit, and this key has none. Add --limit-usd, e.g. --limit-usd 50 --window ${flags.window}, or leave --window out.`,
    );
  if (flags.limitUsd !== undefined) {
    const limit = Number(flags.limitUsd);
    if (!/^\d+(\.\d+)?$/.test(flags.limitUsd) || !(limit > 0))
      throw new CliUsageError(
        `--limit-usd "${flags.limitUsd}" is not an amount. Use a positive number of dollars, e.g. --limit-usd 50.`,
      );
    record.limitUsd = limit;
    record.window = window as VirtualKeyWindow;
  }
  if (flags.rateLimit !== undefined) {
    const match = /^(\d+)(?:\s*\/\s*(?:m|min|minute))?$/.exec(flags.rateLimit.trim());
    const perMinute = Number(match?.[1]);
    if (match === null || !Number.isSafeInteger(perMinute) || perMinute < 1)
      throw new CliUsageError(
        `--rate-limit "${flags.rateLimit}" is not a rate. Write requests per minute, e.g. --rate-limit 60/min.`,
      );
    record.rateLimitPerMinute = perMinute;
  }
  return record;
}

/** The budget that enforces a key's USD limit: saved in the ledger like `llmeter budget set`. */
function keyRule(key: VirtualKeyRecord): ResolvedBudgetRule | undefined {
  if (key.limitUsd === undefined) return undefined;
  return resolveBudgetRule(
    {
      id: keyBudgetId(key.id),
      scope: { attributes: { virtualKey: key.id } },
      window: key.window ?? "day",
      timeZone: "UTC",
      limitUsd: key.limitUsd,
      enforce: true,
    },
    {},
    `the budget of virtual key ${key.id}`,
  );
}

async function printSecret(
  context: CliContext,
  json: boolean,
  key: VirtualKeyRecord,
  secret: string,
  verb: "created" | "rotated",
): Promise<void> {
  if (json) {
    await writeOut(context.stdout, toJsonText({ schemaVersion: KEYS_SCHEMA_VERSION, key, secret }));
    return;
  }
  const scope = [
    key.tenantId === undefined ? undefined : `tenant ${key.tenantId}`,
    key.userId === undefined ? undefined : `user ${key.userId}`,
    key.limitUsd === undefined ? undefined : `${formatUsd(key.limitUsd)} per ${key.window}`,
    key.rateLimitPerMinute === undefined ? undefined : `${key.rateLimitPerMinute} requests/min`,
    key.provider === undefined ? undefined : `${key.provider} only`,
  ].filter((part) => part !== undefined);
  await writeOut(
    context.stdout,
    [
      `Virtual key ${key.id} ${verb}${scope.length === 0 ? "" : ` (${scope.join(", ")})`}.`,
      "",
      `  ${secret}`,
      "",
      "This is the only time the secret is shown: llmeter keeps a salted hash of it. Clients send it",
      "where the provider key goes (OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY) with the",
      "gateway as base URL.",
      "",
    ].join("\n"),
  );
}

async function missingKey(store: VirtualKeyStore, id: string): Promise<CliError> {
  const key = await store.get(id);
  return new CliError(
    key === undefined
      ? `No virtual key "${id}" in the ledger. See them with: llmeter keys list`
      : `Virtual key ${id} was revoked at ${key.revokedAt}; a revoked key stays revoked. Create a new one with: llmeter keys create`,
  );
}

/** Runs `work` with the ledger's virtual keys and budget ledger, closing both after. */
async function withKeys<T>(
  flags: { db?: string },
  context: CliContext,
  create: boolean,
  work: (store: VirtualKeyStore, budgets: BudgetLedger) => Promise<T>,
): Promise<T> {
  const { openVirtualKeyStore } = await import(
    "../../gateway/virtual-keys/open-virtual-key-store.ts"
  );
  return withBudgetLedger(flags, context, create, async (budgets, usage, location) => {
    // On PostgreSQL the keys sit in the store's schema, beside the budget tables.
    const connection = (usage as { budgetConnection?: () => { url: string; schema: string } })
      .budgetConnection;
    const schema = isDatabaseUrl(location) ? connection?.call(usage).schema : undefined;
    const store = await openVirtualKeyStore(location, {
      create: true,
      ...(schema === undefined ? {} : { schema }),
    });
    try {
      return await work(store, budgets);
    } finally {
      await store.close();
    }
  });
}
