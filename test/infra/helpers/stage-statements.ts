import { stageFunction, type TemplateJson } from "./stage-function.ts";

export interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** Every statement of the inline policies of the role of `stage`'s function. */
export function roleStatements(template: TemplateJson, stage: string): Statement[] {
  const fn = stageFunction(template, stage);
  if (!fn) throw new Error(`no ${stage} function`);
  const role = (fn.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  return Object.values(template.Resources)
    .filter(
      (r) =>
        r.Type === "AWS::IAM::Policy" &&
        (r.Properties.Roles as { Ref?: string }[]).some((x) => x.Ref === role),
    )
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** The statements of a stage that grant actions of one service (`glue:`, `s3tables:`). */
export function serviceStatements(template: TemplateJson, stage: string, prefix: string): Statement[] {
  return roleStatements(template, stage).filter((s) => [s.Action].flat().some((a) => a.startsWith(prefix)));
}

/** The environment variables of a stage's function. */
export function stageEnvironment(template: TemplateJson, stage: string): Record<string, unknown> {
  const fn = stageFunction(template, stage);
  if (!fn) throw new Error(`no ${stage} function`);
  return (fn.Environment as { Variables: Record<string, unknown> }).Variables;
}

/**
 * Resolves the pseudo parameters and same-stack attributes CloudFormation would fill in, so an
 * environment can be fed to the runtime's own parser (`catalogFromEnv`).
 */
export function resolveTokens(value: unknown, values: Readonly<Record<string, string>>): string {
  if (typeof value === "string") return value;
  const v = value as { Ref?: string; "Fn::GetAtt"?: [string, string]; "Fn::Join"?: [string, unknown[]] };
  if (v.Ref !== undefined) return lookup(values, v.Ref);
  if (v["Fn::GetAtt"]) return lookup(values, v["Fn::GetAtt"].join("."));
  if (v["Fn::Join"]) return v["Fn::Join"][1].map((p) => resolveTokens(p, values)).join(v["Fn::Join"][0]);
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

function lookup(values: Readonly<Record<string, string>>, key: string): string {
  const found = Object.entries(values).find(([k]) => new RegExp(`^${k}$`).test(key));
  if (!found) throw new Error(`no value for ${key}`);
  return found[1];
}
