/**
 * CDK entry point (`cdk.json` runs `node infra/app.ts`): one shared stack plus one stack per
 * pipeline in the registry, checked by cdk-nag's AwsSolutions pack on every synthesis.
 */
import { pipelines } from "../shared/pipelines/index.ts";
import { buildApp } from "./build-app.ts";

buildApp({ pipelines }).app.synth();
