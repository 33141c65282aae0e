// llmeter/testing: the mock provider for tests, benchmarks and the demo.

export {
  DEFAULT_MOCK_PROVIDER_OPTIONS,
  MOCK_FAILURE_KINDS,
  type MockFailure,
  type MockFailureKind,
  MockProviderOptionError,
  type MockProviderOptions,
  type MockReportedCost,
} from "./mock-provider-options.ts";
export {
  MOCK_FAIL_HEADER,
  type MockProvider,
  type MockProviderRequest,
  startMockProvider,
} from "./start-mock-provider.ts";
export {
  cachedTokensFor,
  countTextTokens,
  IMAGE_TOKENS,
  MESSAGE_OVERHEAD_TOKENS,
} from "./token-counting.ts";
