// Validates SARIF logs against the SARIF 2.1.0 JSON schema with ajv (test-only; installed
// by report_test.go into the user's cache directory, found through NODE_PATH).
// Usage: node sarifschema.js SCHEMA LOG... ; prints {"file":..., "errors":[...]} per log
// and exits 1 when any log is invalid.
"use strict";
const fs = require("fs");
const Ajv2020 = require("ajv/dist/2020").default;
const addFormats = require("ajv-formats").default;

const [schemaPath, ...logs] = process.argv.slice(2);
const schema = JSON.parse(fs.readFileSync(schemaPath, "utf8"));
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);
let bad = 0;
for (const file of logs) {
  const ok = validate(JSON.parse(fs.readFileSync(file, "utf8")));
  if (!ok) bad++;
  console.log(JSON.stringify({ file, errors: ok ? [] : validate.errors }));
}
process.exit(bad ? 1 : 0);
