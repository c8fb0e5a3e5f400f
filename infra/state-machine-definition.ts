import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Pipeline } from "../shared/core/pipeline/types.ts";
import { pipelines as registry } from "../shared/pipelines/index.ts";
import { buildApp } from "./build-app.ts";
import { STAGE_TAG } from "./constructs/lakestream-function.ts";

/**
 * The deployed state machine's definition, for a local runner (aws-local-stepfunctions) to execute
 * the very same ASL. Lambda ARNs become placeholders that name the stage, so a runner maps a task
 * to `functions/<stage>/handler.ts` either by state name (Plan, Compact, Aggregate, Publish,
 * RecordFailure) or by the function name in the placeholder (`lakestream-<stage>`).
 */

export const PLACEHOLDER_REGION = "us-east-1";
export const PLACEHOLDER_ACCOUNT = "123456789012";
/** Stands in for the lake bucket name, which only RecordFailure's parameters mention. */
export const PLACEHOLDER_BUCKET = "lakestream-lake";

/** `arn:aws:lambda:us-east-1:123456789012:function:lakestream-<stage>` */
export function placeholderFunctionArn(stage: string): string {
  return `arn:aws:lambda:${PLACEHOLDER_REGION}:${PLACEHOLDER_ACCOUNT}:function:lakestream-${stage}`;
}

/** The stage a placeholder ARN (or any `…:function:lakestream-<stage>` ARN) names, if any. */
export function stageOfFunctionArn(arn: string): string | undefined {
  return /:function:lakestream-([a-z-]+)$/.exec(arn)?.[1];
}

/** An Amazon States Language document (JSONPath). */
export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Record<string, Record<string, unknown>>;
  readonly [key: string]: unknown;
}

interface CfnTemplate {
  readonly Resources: Record<
    string,
    { readonly Type: string; readonly Properties?: Record<string, unknown> }
  >;
}

export interface SynthesizeOptions {
  /** Defaults to the registry in shared/pipelines. */
  readonly pipelines?: Readonly<Record<string, Pipeline>>;
  readonly functionsDir?: string;
  readonly context?: Record<string, unknown>;
}

/**
 * Synthesizes the app offline (no credentials, no bundling) and returns the named pipeline's
 * state machine definition with every intrinsic resolved to placeholders.
 */
export function synthesizeStateMachineDefinition(
  pipelineName: string,
  options: SynthesizeOptions = {},
): AslDefinition {
  const pipelines = options.pipelines ?? registry;
  const outdir = mkdtempSync(join(tmpdir(), "lakestream-asl-"));
  try {
    const built = buildApp({
      pipelines,
      outdir,
      functionsDir: options.functionsDir,
      context: { "aws:cdk:bundling-stacks": [], ...options.context },
    });
    const stack = built.pipelines[pipelineName];
    if (!stack)
      throw new Error(
        `unknown pipeline "${pipelineName}" (known: ${Object.keys(built.pipelines).join(", ")})`,
      );
    const template = built.app.synth().getStackByName(stack.stackName).template as CfnTemplate;
    return stateMachineDefinitionFromTemplate(template);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Finds the template's one state machine and resolves its `DefinitionString`. */
export function stateMachineDefinitionFromTemplate(template: CfnTemplate): AslDefinition {
  const machines = Object.values(template.Resources).filter(
    (r) => r.Type === "AWS::StepFunctions::StateMachine",
  );
  if (machines.length !== 1)
    throw new Error(`expected one state machine in the template, found ${machines.length}`);
  const text = resolveIntrinsic(machines[0]!.Properties?.DefinitionString, template);
  if (typeof text !== "string") throw new Error("DefinitionString did not resolve to text");
  return JSON.parse(text) as AslDefinition;
}

const PSEUDO: Record<string, string> = {
  "AWS::Partition": "aws",
  "AWS::Region": PLACEHOLDER_REGION,
  "AWS::AccountId": PLACEHOLDER_ACCOUNT,
  "AWS::URLSuffix": "amazonaws.com",
};

function resolveIntrinsic(value: unknown, template: CfnTemplate): unknown {
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value);
  const [fn, arg] = entries[0] ?? [];
  if (entries.length === 1 && fn === "Fn::Join" && Array.isArray(arg)) {
    const [separator, parts] = arg as [string, unknown[]];
    return parts.map((p) => resolveIntrinsic(p, template)).join(separator);
  }
  if (entries.length === 1 && fn === "Ref" && typeof arg === "string") {
    if (arg in PSEUDO) return PSEUDO[arg];
    if (template.Resources[arg]?.Type === "AWS::S3::Bucket") return PLACEHOLDER_BUCKET;
  }
  if (entries.length === 1 && fn === "Fn::GetAtt" && Array.isArray(arg) && arg[1] === "Arn") {
    const resource = template.Resources[String(arg[0])];
    if (resource?.Type === "AWS::Lambda::Function")
      return placeholderFunctionArn(stageTag(resource.Properties, arg[0]));
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)} in the state machine definition`);
}

function stageTag(properties: Record<string, unknown> | undefined, logicalId: unknown): string {
  const tags = (properties?.Tags ?? []) as { Key: string; Value: string }[];
  const stage = tags.find((t) => t.Key === STAGE_TAG)?.Value;
  if (!stage) throw new Error(`function ${String(logicalId)} has no ${STAGE_TAG} tag`);
  return stage;
}
