// The model ids the installed provider SDKs name: openai's ChatModel / ResponsesModel /
// EmbeddingModel unions, @anthropic-ai/sdk's Model union, and (@google/genai types `model` as a
// plain string, with no union) the Gemini ids its doc comments name.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

// The packages' own directories (found from their main entry: not every package exports package.json).
function packageDirectory(packageName: string): string {
  let directory = dirname(require.resolve(packageName));
  while (!directory.endsWith(join("node_modules", packageName))) directory = dirname(directory);
  return directory;
}

function packageFile(packageName: string, path: string): string {
  return readFileSync(join(packageDirectory(packageName), path), "utf8");
}

/** The installed version of an SDK. */
export function sdkVersion(packageName: string): string {
  return (JSON.parse(packageFile(packageName, "package.json")) as { version: string }).version;
}

/** The string literals of `export type <name> = 'a' | 'b' | ...;` in a .d.ts file. */
function unionMembers(source: string, typeName: string): string[] {
  const match = new RegExp(`export type ${typeName} =([^;]+);`).exec(source);
  if (match === null) throw new Error(`type ${typeName} not found`);
  return [...(match[1] ?? "").matchAll(/'([^']+)'/g)].map((literal) => literal[1] ?? "");
}

/** Every SDK-named model id by provider, sorted, without repeats. */
export function sdkModelIds(): Record<"openai" | "anthropic" | "google", string[]> {
  const openaiShared = packageFile("openai", "resources/shared.d.ts");
  const openaiEmbeddings = packageFile("openai", "resources/embeddings.d.ts");
  const anthropicMessages = packageFile("@anthropic-ai/sdk", "resources/messages/messages.d.ts");
  const genai = packageFile("@google/genai", "dist/genai.d.ts");
  const sorted = (ids: string[]) => [...new Set(ids)].sort();
  return {
    openai: sorted([
      ...unionMembers(openaiShared, "ChatModel"),
      ...unionMembers(openaiShared, "ResponsesModel"),
      ...unionMembers(openaiEmbeddings, "EmbeddingModel"),
    ]),
    anthropic: sorted(unionMembers(anthropicMessages, "Model")),
    google: sorted([...genai.matchAll(/'(gemini-[a-z0-9.-]+)'/g)].map((match) => match[1] ?? "")),
  };
}
