#!/usr/bin/env node
// Entry point of the `paperboy` command: runs the compiled CLI (built by `npm ci` through `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// ONNX Runtime telemetry off unless the operator asks for it (see docs/configuration.md); set here
// too so that every process and thread started from the CLI inherits it.
process.env.ORT_DISABLE_TELEMETRY ??= '1';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('paperboy: dist/main.js is missing; run `npm run build` (npm ci does it for you).\n');
  process.exit(2);
}
const { runCli } = await import(main.href);
process.exitCode = await runCli(process.argv.slice(2));
