import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_MOCK_PROVIDER_OPTIONS } from "./mock-provider-options.ts";
import { planReply } from "./reply-plan.ts";

const options = (changes: Partial<typeof DEFAULT_MOCK_PROVIDER_OPTIONS>) => ({
  ...DEFAULT_MOCK_PROVIDER_OPTIONS,
  ...changes,
});

describe("planReply", () => {
  it("splits the reply into chunks that concatenate back to the text, one word per token", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 200 }),
        fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }),
        fc.boolean(),
        (replyWords, chunks, maxOutputTokens, reasoning) => {
          const plan = planReply(options({ replyWords, chunks, reasoningTokens: 10 }), {
            reasoning,
            maxOutputTokens,
          });
          const words = plan.text === "" ? [] : plan.text.split(" ");
          expect(words).toHaveLength(plan.textTokens);
          expect(plan.chunkTexts.join("")).toBe(plan.text);
          expect(plan.chunkTexts).toHaveLength(Math.min(chunks, plan.textTokens));
          for (const chunk of plan.chunkTexts) expect(chunk.trim()).not.toBe("");
          const wanted = Math.max(replyWords, chunks);
          if (maxOutputTokens !== undefined) {
            expect(plan.textTokens + plan.reasoningTokens).toBeLessThanOrEqual(maxOutputTokens);
          }
          expect(plan.truncated).toBe(plan.textTokens < wanted);
          if (!plan.truncated) expect(plan.textTokens).toBe(wanted);
        },
      ),
    );
  });

  it("reports reasoning only for reasoning requests, capped by the budget", () => {
    const base = options({ reasoningTokens: 50 });
    expect(planReply(base, { reasoning: false }).reasoningTokens).toBe(0);
    expect(planReply(base, { reasoning: true }).reasoningTokens).toBe(50);
    expect(planReply(base, { reasoning: true, reasoningBudget: 20 }).reasoningTokens).toBe(20);
  });

  it("is deterministic", () => {
    const first = planReply(options({ replyWords: 30 }), { reasoning: false });
    const second = planReply(options({ replyWords: 30 }), { reasoning: false });
    expect(second).toEqual(first);
  });
});
