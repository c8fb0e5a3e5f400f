#!/usr/bin/env node
// Runs the TypeScript CLI with Node 24's built-in type stripping. `npx lakestream` puts the
// project's pinned Node 24 (the node@24 dev dependency) first on PATH, so `node` here is it.
const [major] = process.versions.node.split(".").map(Number);
if (major < 24) {
  process.stderr.write(
    `lakestream needs Node 24 (found ${process.version}); run it through npx or npm scripts, which use the project's pinned Node.\n`,
  );
  process.exit(1);
}
await import("../shared/local/cli/main.ts");
