// Fails when src/generated is stale: regenerates in memory and compares with what is committed.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { generate } from "@graphql-codegen/cli";
import config from "../codegen.ts";

const root = resolve(import.meta.dirname, "..");
process.chdir(root);
const outputs = await generate({ ...config, silent: true }, false);
let stale = 0;
for (const out of outputs) {
  const onDisk = readFileSync(resolve(root, out.filename), "utf8");
  if (onDisk !== out.content) {
    console.error(`${out.filename} is out of date with schema.graphql: run \`npm run codegen\`.`);
    stale++;
  }
}
if (stale > 0) process.exit(1);
console.log(`codegen: ${outputs.length} generated file(s) up to date`);
