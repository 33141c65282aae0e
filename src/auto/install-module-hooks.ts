import { register as registerAsyncHooks } from "node:module";
import { Hook as ImportHook } from "import-in-the-middle";
import {
  register as registerSyncHooks,
  supportsSyncHooks,
} from "import-in-the-middle/register-hooks.mjs";
import { Hook as RequireHook } from "require-in-the-middle";
import { patchCommonJsExports, patchNamespace } from "./patch-exports.ts";
import { SDK_PATCHES } from "./sdk-patches.ts";

/**
 * Patches the SDKs as they load, whichever module system loads them: import-in-the-middle for
 * ES modules, require-in-the-middle for `require()` (the pair OpenTelemetry uses). Only the SDK
 * packages are intercepted (`include`), so the rest of the application loads as it would.
 */
export function installModuleHooks(): void {
  const modules = SDK_PATCHES.map((patch) => patch.module);
  const byModule = new Map(SDK_PATCHES.map((patch) => [patch.module, patch]));

  // In-thread hooks where Node runs them correctly; the loader thread otherwise. Not for
  // `node -e`/`-p` (NODE_OPTIONS reaches those too): Node 24 then loads the eval's own builtins
  // through the synchronous hooks and fails (ENOENT 'module'), so eval code is covered by the
  // require() hook alone.
  const evaluating = typeof (process as { _eval?: unknown })._eval === "string";
  if (evaluating) {
    // Nothing: require-in-the-middle below patches what eval code require()s.
  } else if (supportsSyncHooks()) registerSyncHooks({ include: modules });
  else
    registerAsyncHooks("import-in-the-middle/hook.mjs", import.meta.url, {
      data: { include: modules },
    });

  new ImportHook(modules, (exported, name) => {
    const patch = byModule.get(name);
    if (patch !== undefined) patchNamespace(patch, exported);
  });
  new RequireHook(modules, <T>(exports: T, name: string): T => {
    const patch = byModule.get(name);
    return patch === undefined ? exports : (patchCommonJsExports(patch, exports as object) as T);
  });
}
