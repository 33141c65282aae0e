// Runs every benchmark in this folder and its sub-folders, one after another, each in its own
// process. A sub-folder with a package.json (peers that need an older SDK than the project's) is
// installed on first use.
// Run: npm run bench   (or: node_modules/.bin/node bench/run-all.ts meter ledger)
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";

const only = process.argv.slice(2);
const root = import.meta.dirname;
const folders = [
  root,
  ...readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, "package.json")))
    .map((entry) => join(root, entry.name)),
];
const files = folders
  .flatMap((folder) =>
    readdirSync(folder)
      .filter((name) => name.endsWith(".bench.ts"))
      .map((name) => join(folder, name)),
  )
  // Matched against the path inside bench/, not the checkout's (a folder named wt-auto matched "auto").
  .filter(
    (file) => only.length === 0 || only.some((filter) => relative(root, file).includes(filter)),
  )
  .sort();
let failed = 0;
for (const file of files) {
  const folder = join(file, "..");
  if (folder !== root && !existsSync(join(folder, "node_modules"))) {
    console.log(`\n=== npm install in ${relative(root, folder)}`);
    spawnSync("npm", ["install", "--no-audit", "--no-fund"], { cwd: folder, stdio: "inherit" });
  }
  console.log(`\n=== ${relative(root, file)}`);
  const result = spawnSync(process.execPath, [file], { stdio: "inherit" });
  if (result.status !== 0) failed += 1;
}
process.exitCode = failed === 0 ? 0 : 1;
