/**
 * CDK entry point (`cdk.json` runs `node infra/app.ts`): one shared stack plus one stack per
 * pipeline in the registry, checked by cdk-nag's AwsSolutions pack on every synthesis.
 * `-c pipeline=<name | path to a .ts/.js module>` deploys that pipeline (or every pipeline the
 * module defines) instead; a module is bundled into the handlers.
 */
import { resolve } from "node:path";
import { App } from "aws-cdk-lib";
import { pipelines } from "../shared/pipelines/index.ts";
import { isModuleReference, loadPipelines } from "../shared/pipelines/load-pipelines.ts";
import { buildApp } from "./build-app.ts";
import { PIPELINE_MODULE_CONTEXT } from "./constructs/lakestream-function.ts";

// Read the way the CDK CLI hands context over (environment or overflow file), by an App itself.
const ref = new App({ autoSynth: false }).node.tryGetContext("pipeline") as unknown;
if (ref === undefined) buildApp({ pipelines }).app.synth();
else {
  const chosen = await loadPipelines(String(ref), "context.pipeline");
  const module = isModuleReference(String(ref)) ? resolve(String(ref).split("#")[0]!) : undefined;
  buildApp({
    pipelines: Object.fromEntries(chosen.map((p) => [p.name, p])),
    ...(module ? { context: { [PIPELINE_MODULE_CONTEXT]: module } } : {}),
  }).app.synth();
}
