import { describe, expect, it } from "vitest";
import { REDACTED, redactSecrets } from "./redact-secrets.ts";

describe("redactSecrets", () => {
  it.each([
    ["OpenAI", "Incorrect API key provided: sk-live-4f9aQ2xLm8Rt7Yv1Np3Kc6Hd."],
    ["OpenAI project", "Incorrect API key provided: sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12_Mn-34."],
    ["OpenAI masked", "Incorrect API key provided: sk-proj-********************************abcd."],
    ["Anthropic", "key sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe-AAAA was revoked"],
    ["OpenRouter", "No auth credentials found for sk-or-v1-0123456789abcdef0123456789abcdef"],
    ["Google", "API key AIzaSyD3m0K3yF0rT3st1ngPurp0s3sOnly12345 not valid."],
    ["Google OAuth", "token ya29.a0AfH6SMBx3mpl3T0k3nV4lu3F0rT3sts invalid"],
    ["AWS access key", "The security token AKIAIOSFODNN7EXAMPLE is invalid"],
    ["AWS temporary key", "ASIAY34FZKBOKMUTVV7A expired"],
    ["xAI", "Incorrect API key provided: xai-Q1w2E3r4T5y6U7i8O9p0AsDf."],
    ["Groq", "Invalid API Key gsk_8Hq2Lw9Xv4Nc7Pz1Mb5Kd3Rt6Yf0Js"],
    ["Hugging Face", "Authorization failed for hf_AbCdEfGhIjKlMnOpQrStUvWx"],
    ["GitHub", "Bad credentials ghp_0123456789abcdefABCDEF0123456789"],
    [
      "llmeter virtual",
      "key llm-vk_3kq7mz2xw4ab-Jr0cX9q_LmN2pQ7sT4vW8yZ1aB3dE5fG7hJ9kL0mN2p was revoked",
    ],
  ])("removes a %s key", (_name, text) => {
    const redacted = redactSecrets(text);
    expect(redacted).toContain(REDACTED);
    expect(redacted).not.toMatch(/sk-[a-z]|AIza|ya29\.|AKIA|ASIA|xai-|gsk_|hf_|ghp_|llm-vk_/);
  });

  it("keeps the words around a key", () => {
    expect(
      redactSecrets("Incorrect API key provided: sk-live-4f9aQ2xLm8Rt7Yv1Np3Kc6Hd. See docs."),
    ).toBe(`Incorrect API key provided: ${REDACTED}. See docs.`);
  });

  it("removes bearer tokens, key= query values and URL credentials", () => {
    expect(redactSecrets("Authorization: Bearer abc.def-ghi_jkl123")).toBe(
      `Authorization: Bearer ${REDACTED}`,
    );
    expect(
      redactSecrets(
        "GET https://generativelanguage.googleapis.com/v1beta/models?key=opaque-value-42&alt=sse failed",
      ),
    ).toBe(
      `GET https://generativelanguage.googleapis.com/v1beta/models?key=${REDACTED}&alt=sse failed`,
    );
    expect(redactSecrets("proxy said api_key=hunter2hunter2; token=xyz12345")).toBe(
      `proxy said api_key=${REDACTED}; token=${REDACTED}`,
    );
    expect(redactSecrets('{"api_key": "s3cr3t-value"}')).toBe(`{"api_key": "${REDACTED}"}`);
    expect(redactSecrets("connect to postgres://app:pa55w0rd@db.internal:5432/usage")).toBe(
      `connect to postgres://${REDACTED}@db.internal:5432/usage`,
    );
  });

  it("removes an Azure key after a key-like word", () => {
    const key = "0123456789abcdef0123456789abcdef";
    expect(redactSecrets(`subscription key '${key}' is invalid`)).toBe(
      `subscription key '${REDACTED}' is invalid`,
    );
    // A request id of the same shape, with no key word before it, stays: it is what support asks for.
    expect(redactSecrets(`request ${key} failed`)).toBe(`request ${key} failed`);
  });

  it("removes the caller's own key whatever its shape", () => {
    const key = "mistral-Plain32CharacterKey9876543210";
    expect(redactSecrets(`Unauthorized: ${key}`, [key])).toBe(`Unauthorized: ${REDACTED}`);
    // Too short to be a key: searching for it would mangle ordinary words.
    expect(redactSecrets("an error", ["err"])).toBe("an error");
  });

  it("leaves ordinary error text alone and redacts a redacted text no further", () => {
    const texts = [
      "API key not valid. Please pass a valid API key.",
      "invalid x-api-key",
      "Rate limit reached for gpt-4o-mini in organization org-123 on tokens per min (TPM).",
      "This model's maximum context length is 128000 tokens.",
      "Connection error.",
    ];
    for (const text of texts) expect(redactSecrets(text)).toBe(text);
    const once = redactSecrets("api_key=abcdefgh1234 and sk-live-4f9aQ2xLm8Rt7Yv1Np3Kc6Hd");
    expect(redactSecrets(once)).toBe(once);
  });
});
