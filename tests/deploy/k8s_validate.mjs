// Checks Kubernetes objects against the Kubernetes OpenAPI schema, offline:
//   node k8s_validate.mjs KUBERNETES_MODELS_DIR CLIENT_MODELS_DIR < objects.json
// objects.json is a JSON array of objects (kubectl kustomize's output as JSON).
//
// Two passes, both from the published schema:
// - npm kubernetes-models: types, required fields, enums and formats
//   (quantities, int32), as the API server's schema validation would;
// - the field lists of npm @kubernetes/client-node's generated models: every
//   field of every object must exist in the schema, as `kubectl apply
//   --validate=strict` demands (kubernetes-models lets unknown fields pass).
// Prints one line per finding, "Kind/name: /path: message"; exit 1 if any.
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [modelsDir, clientModelsDir] = process.argv.slice(2);
const objects = JSON.parse(readFileSync(0, "utf8"));
const findings = [];

// "apps/v1" + StatefulSet -> kubernetes-models/apps/v1/StatefulSet.js and the
// client's V1StatefulSet; the core group ("v1") has no group folder.
function schemaNames(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const capitalised = version.charAt(0).toUpperCase() + version.slice(1);
  return {
    module: join(modelsDir, group, version, `${kind}.js`),
    clientType: `${capitalised}${kind}`,
  };
}

const clientModels = new Map();
async function clientFields(type) {
  if (!clientModels.has(type)) {
    const file = join(clientModelsDir, `${type}.js`);
    if (!existsSync(file)) throw new Error(`no model ${type} in ${clientModelsDir}`);
    const module = await import(pathToFileURL(file).href);
    clientModels.set(type, new Map(module[type].attributeTypeMap.map((a) => [a.baseName, a.type])));
  }
  return clientModels.get(type);
}

const scalars = {
  string: (v) => typeof v === "string",
  number: (v) => typeof v === "number",
  boolean: (v) => typeof v === "boolean",
  Date: (v) => typeof v === "string",
  IntOrString: (v) => typeof v === "string" || Number.isInteger(v),
  any: () => true,
  object: () => true,
};

async function strict(value, type, path, report) {
  if (value === null) return;
  const array = /^Array<(.+)>$/.exec(type);
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) return report(path, `must be a list of ${array[1]}`);
    for (const [i, item] of value.entries()) await strict(item, array[1], `${path}/${i}`, report);
  } else if (map) {
    if (typeof value !== "object" || Array.isArray(value)) return report(path, "must be a map");
    for (const [k, v] of Object.entries(value)) await strict(v, map[1], `${path}/${k}`, report);
  } else if (type in scalars) {
    if (!scalars[type](value)) report(path, `must be ${type}, not ${JSON.stringify(value)}`);
  } else {
    if (typeof value !== "object" || Array.isArray(value)) return report(path, `must be a ${type} object`);
    const fields = await clientFields(type);
    for (const [k, v] of Object.entries(value)) {
      if (!fields.has(k)) report(`${path}/${k}`, `unknown field "${k}" in ${type}`);
      else await strict(v, fields.get(k), `${path}/${k}`, report);
    }
  }
}

for (const object of objects) {
  const label = `${object.kind}/${object.metadata?.name ?? "?"}`;
  const report = (path, message) => findings.push(`${label}: ${path || "/"}: ${message}`);
  if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") {
    report("", "apiVersion and kind are required");
    continue;
  }
  const { module, clientType } = schemaNames(object.apiVersion, object.kind);
  if (!existsSync(module)) {
    report("", `no schema for ${object.apiVersion} ${object.kind}`);
    continue;
  }
  const exported = await import(pathToFileURL(module).href);
  try {
    new exported[object.kind](object).validate();
  } catch (error) {
    // kubernetes-models joins its findings as "data/path message, data/path message".
    for (const part of String(error.message).split(/, (?=data[/ ])/)) report("", part.replace(/^data/, ""));
  }
  await strict(object, clientType, "", report);
}

for (const finding of findings) console.log(finding);
process.exit(findings.length === 0 ? 0 : 1);
