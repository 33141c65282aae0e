/**
 * Environment variables as llmeter reads them: `process.env`, or a plain object in tests.
 * Not `NodeJS.ProcessEnv`, so that the public types compile in an app without `@types/node`.
 */
export type Environment = Record<string, string | undefined>;
