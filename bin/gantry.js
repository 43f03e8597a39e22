#!/usr/bin/env node
// Entry point of the `gantry` command: runs the compiled CLI (npm run build writes dist/).
import { main } from '../dist/cli/main.js';

main(process.argv).catch((err) => {
  process.stderr.write(`gantry: ${err && err.message ? err.message : String(err)}\n`);
  process.exit(1);
});
