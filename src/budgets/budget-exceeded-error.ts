const MARKER = Symbol.for("llmeter.error.BudgetExceededError");

/**
 * Thrown before a call is sent when an enforced budget would be passed: spent + in-flight
 * reservations + this call's estimate > limit. Nothing was sent to the provider.
 *
 * @example
 * try { await client.chat.completions.create(request) }
 * catch (error) { if (BudgetExceededError.isInstance(error)) return "Budget reached, try tomorrow"; throw error }
 */
export class BudgetExceededError extends Error {
  readonly [MARKER] = true;
  /** The rule's id. */
  readonly budgetId: string;
  /** What the rule covers, in words (`tenant acme`), and as the rule gives it. */
  readonly scope: string;
  readonly scopeFields: Record<string, unknown>;
  /** `day`, `week`, `month` or the rolling duration, and the current window's key and bounds. */
  readonly window: string;
  readonly windowKey: string;
  readonly windowEndsAt: string;
  /** Which limit: `usd`, `tokens` or `requests`; its value, what is spent and reserved, and this call's estimate. */
  readonly limitKind: "usd" | "tokens" | "requests";
  readonly limit: number;
  readonly spent: number;
  readonly reserved: number;
  readonly estimate: number;

  constructor(details: {
    budgetId: string;
    scope: string;
    scopeFields: Record<string, unknown>;
    window: string;
    windowKey: string;
    windowEndsAt: string;
    limitKind: "usd" | "tokens" | "requests";
    limit: number;
    spent: number;
    reserved: number;
    estimate: number;
  }) {
    const unit = (value: number) =>
      details.limitKind === "usd" ? `$${value.toFixed(4)}` : `${value} ${details.limitKind}`;
    super(
      `Budget "${details.budgetId}" (${details.scope}, ${details.window} ${details.windowKey}) would be exceeded: spent ${unit(details.spent)} + in flight ${unit(details.reserved)} + this call ~${unit(details.estimate)} > limit ${unit(details.limit)}. The call was not sent; the window ends ${details.windowEndsAt}.`,
    );
    this.name = "BudgetExceededError";
    this.budgetId = details.budgetId;
    this.scope = details.scope;
    this.scopeFields = details.scopeFields;
    this.window = details.window;
    this.windowKey = details.windowKey;
    this.windowEndsAt = details.windowEndsAt;
    this.limitKind = details.limitKind;
    this.limit = details.limit;
    this.spent = details.spent;
    this.reserved = details.reserved;
    this.estimate = details.estimate;
  }

  /** True for a BudgetExceededError from any copy of llmeter (works across bundles, unlike instanceof). */
  static isInstance(error: unknown): error is BudgetExceededError {
    return (
      error !== null &&
      typeof error === "object" &&
      (error as Record<symbol, unknown>)[MARKER] === true
    );
  }
}
