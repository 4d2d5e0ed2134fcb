// Lints Dockerfiles: prints each finding as FILE:LINE: [RULE] MESSAGE and
// exits 1 if there is any.
//
//   node scripts/dockerfile-lint.mjs NODE_MODULES_DIR Dockerfile...
//
// hadolint is neither in Debian nor on npm, so its checks are made here:
// - every instruction, flag and argument form, with dockerfile-utils (the
//   validator behind VS Code's Dockerfile support), all its warnings as errors;
// - hadolint's rules for what we build on (Debian, apt, sh), under hadolint's
//   own rule names, so `# hadolint ignore=DLnnnn` above an instruction works;
// - shellcheck on the shell of every RUN, as hadolint runs it.
// Not checked, on purpose: DL3008 (pin apt package versions: Debian 12's
// archive drops a version at its next security update, so a pin breaks the
// build instead of making it reproducible) and DL3002 (the last USER is root:
// dev8-init acts for the developer from root by design; `--user 1000` works).
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [modules, ...files] = process.argv.slice(2);
const load = (name) => import(pathToFileURL(join(modules, name, "lib", "main.js")).href);
const { validate } = await load("dockerfile-utils");
const { DockerfileParser } = await load("dockerfile-ast");

const strict = Object.fromEntries(
  ["deprecatedMaintainer", "directiveCasing", "emptyContinuationLine", "instructionCasing",
   "instructionCmdMultiple", "instructionEntrypointMultiple", "instructionHealthcheckMultiple",
   "instructionJSONInSingleQuotes", "instructionWorkdirRelative"].map((k) => [k, 2]));

// Shell words of a RUN, without quoted strings, enough to find commands.
const commands = (shell) => shell.split(/&&|\|\||;|\n|\|/).map((c) => c.trim().split(/\s+/));
const aptInstalls = (shell) => commands(shell).filter((w) => w[0] === "apt-get" && w.includes("install"));

const rules = [
  ["DL3004", "RUN", "do not use sudo: it has unpredictable TTY and signal behaviour",
    (s) => commands(s).some((w) => w[0] === "sudo")],
  ["DL3005", "RUN", "do not use apt-get upgrade or dist-upgrade",
    (s) => commands(s).some((w) => w[0] === "apt-get" && /^(dist-)?upgrade$/.test(w[1] ?? ""))],
  ["DL3009", "RUN", "delete /var/lib/apt/lists in the RUN that fills it",
    (s) => /apt-get\s+(update|install)/.test(s) && !/rm -rf \/var\/lib\/apt\/lists/.test(s)],
  ["DL3014", "RUN", "use apt-get install -y",
    (s) => aptInstalls(s).some((w) => !w.some((x) => /^(-y|--yes|--assume-yes|-[a-z]*y[a-z]*)$/.test(x)))],
  ["DL3015", "RUN", "use apt-get install --no-install-recommends",
    (s) => aptInstalls(s).some((w) => !w.includes("--no-install-recommends"))],
  ["DL3027", "RUN", "use apt-get, not apt, in scripts",
    (s) => commands(s).some((w) => w[0] === "apt")],
  ["DL3003", "RUN", "use WORKDIR to change directory, not cd",
    (s) => commands(s).some((w) => w[0] === "cd")],
  ["DL4006", "RUN", "set -o pipefail before a pipe, or a failing command before | is hidden",
    (s) => /[^|]\|[^|]/.test(s.replace(/'[^']*'|"[^"]*"/g, "")) && !/set -[a-z]*o pipefail/.test(s)],
  ["DL3020", "ADD", "use COPY for files and folders; ADD only for URLs and archives",
    (a) => !/^(https?:\/\/|.*\.(tar|tar\.\w+|tgz)\s)/.test(a)],
  ["DL3025", "CMD", "use the JSON form, so signals reach the command", (a) => !a.trim().startsWith("[")],
  ["DL3025", "ENTRYPOINT", "use the JSON form, so signals reach the command", (a) => !a.trim().startsWith("[")],
  ["DL3007", "FROM", "name a tag other than latest", (a) => /^[^$\s]+:latest(\s|$)/.test(a)],
  ["DL3006", "FROM", "name a tag", (a) => /^[^$\s:@]+(\s|$)/.test(a) && !/^scratch(\s|$)/.test(a)],
];

let findings = 0;
const report = (file, line, rule, message) => {
  findings++;
  console.log(`${file}:${line}: [${rule}] ${message}`);
};

for (const file of files) {
  const text = readFileSync(file, "utf8");
  for (const d of validate(text, strict)) report(file, d.range.start.line + 1, `dockerfile-utils ${d.code}`, d.message);
  const dockerfile = DockerfileParser.parse(text);
  const lines = text.split("\n");
  const stageNames = new Set();
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    const args = instruction.getArgumentsContent() ?? "";
    const line = instruction.getRange().start.line;
    const ignored = new Set((/#\s*hadolint ignore=([\w,]+)/.exec(lines[line - 1] ?? "")?.[1] ?? "").split(","));
    if (keyword === "FROM") {
      const image = args.split(/\s+/)[0];
      if (stageNames.has(image)) continue;
      const as = /\sAS\s+(\S+)/i.exec(args);
      if (as) stageNames.add(as[1]);
    }
    for (const [rule, on, message, broken] of rules) {
      if (on === keyword && !ignored.has(rule) && broken(args)) report(file, line + 1, rule, message);
    }
    if (keyword === "RUN" && !args.trim().startsWith("[") && !ignored.has("SC")) {
      const check = spawnSync("shellcheck", ["-s", "sh", "-f", "gcc", "-"], { input: args + "\n", encoding: "utf8" });
      if (check.error) throw check.error;
      for (const finding of check.stdout.split("\n").filter(Boolean)) {
        report(file, line + 1, "shellcheck", finding.replace(/^-:\d+:\d+: /, ""));
      }
    }
  }
}
console.log(`dockerfile-lint: ${files.length} Dockerfiles, ${findings} findings`);
process.exit(findings ? 1 : 0);
