/**
 * Build step: copies the page (src/dashboard/assets) and uPlot's built files into
 * dist/dashboard/assets, so the published package serves its charts without a CDN and without
 * uPlot as a runtime dependency. Run after tsc: `node src/dashboard/copy-assets.ts [outDir]`.
 */
import { copyFileSync, cpSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Copies the dashboard's assets into `<outDir>/dashboard/assets`. */
export function copyDashboardAssets(outDir: string): string {
  const source = fileURLToPath(new URL("./assets/", import.meta.url));
  const target = join(outDir, "dashboard", "assets");
  mkdirSync(join(target, "vendor"), { recursive: true });
  cpSync(source, target, { recursive: true });
  const require = createRequire(import.meta.url);
  const uplot = dirname(require.resolve("uplot/package.json"));
  for (const file of ["dist/uPlot.iife.min.js", "dist/uPlot.min.css", "LICENSE"])
    copyFileSync(
      join(uplot, file),
      join(target, "vendor", file === "LICENSE" ? "uPlot.LICENSE" : file.slice(5)),
    );
  return target;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const target = copyDashboardAssets(process.argv[2] ?? "dist");
  console.log(`dashboard assets copied to ${target}`);
}
