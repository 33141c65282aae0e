// Loads the openai SDK and builds a client: what start-up costs, without any call.
import OpenAI from "openai";

new OpenAI({ apiKey: "bench", baseURL: "http://127.0.0.1:9/v1" });
