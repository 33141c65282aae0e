/**
 * What the mock model "generates" for one request: deterministic words (one word is one output
 * token), the reasoning tokens of reasoning models, truncation by the caller's output cap, and the
 * split of the text into stream chunks. The same request gives the same plan streamed or not, so
 * plain and streamed calls report identical usage.
 */

import type { ResolvedMockProviderOptions } from "./mock-provider-options.ts";

const VOCABULARY = [
  "This",
  "is",
  "a",
  "deterministic",
  "reply",
  "from",
  "the",
  "llmeter",
  "mock",
  "provider,",
  "one",
  "word",
  "per",
  "output",
  "token.",
];

/** The generated reply of one request. */
export interface ReplyPlan {
  /** The visible reply text (words joined by single spaces). */
  text: string;
  /** Visible output tokens: the number of words in `text`. */
  textTokens: number;
  /** Reasoning tokens (0 for non-reasoning models); billed as output on top of `textTokens`. */
  reasoningTokens: number;
  /** True when the caller's output cap cut the reply short. */
  truncated: boolean;
  /** `text` split into the stream's content chunks; their concatenation equals `text`. */
  chunkTexts: string[];
}

/** What the request asked for that shapes the reply. */
export interface ReplyRequest {
  /** Whether the model reasons before answering. */
  reasoning: boolean;
  /** An upper bound on reasoning tokens the caller set (Anthropic budget_tokens, Gemini thinkingBudget). */
  reasoningBudget?: number | undefined;
  /** The caller's cap on output tokens (max_tokens and friends), reasoning included. */
  maxOutputTokens?: number | undefined;
}

/** Plans the reply: `max(replyWords, chunks)` words, capped by `maxOutputTokens`. */
export function planReply(options: ResolvedMockProviderOptions, request: ReplyRequest): ReplyPlan {
  const wanted = Math.max(options.replyWords, options.chunks);
  let reasoningTokens = request.reasoning ? options.reasoningTokens : 0;
  if (request.reasoningBudget !== undefined && request.reasoningBudget >= 0) {
    reasoningTokens = Math.min(reasoningTokens, request.reasoningBudget);
  }
  let textTokens = wanted;
  const cap = request.maxOutputTokens;
  if (cap !== undefined && cap >= 0) {
    reasoningTokens = Math.min(reasoningTokens, cap);
    textTokens = Math.min(wanted, cap - reasoningTokens);
  }
  const words: string[] = [];
  for (let index = 0; index < textTokens; index++) {
    words.push(VOCABULARY[index % VOCABULARY.length] as string);
  }
  return {
    text: words.join(" "),
    textTokens,
    reasoningTokens,
    truncated: textTokens < wanted,
    chunkTexts: splitIntoChunks(words, options.chunks),
  };
}

/** A short, fixed summary used as the visible "thinking" text of reasoning replies. */
export const THINKING_TEXT = "Working out a deterministic mock answer.";

/** Splits words into at most `chunks` non-empty pieces that concatenate back to the text. */
function splitIntoChunks(words: string[], chunks: number): string[] {
  const count = Math.min(chunks, words.length);
  const pieces: string[] = [];
  for (let index = 0; index < count; index++) {
    const start = Math.floor((index * words.length) / count);
    const end = Math.floor(((index + 1) * words.length) / count);
    const piece = words.slice(start, end).join(" ");
    pieces.push(index === 0 ? piece : ` ${piece}`);
  }
  return pieces;
}
