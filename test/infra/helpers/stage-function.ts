/** A CloudFormation template as JSON, for checks the assertions API cannot express. */
export interface TemplateJson {
  readonly Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  readonly Outputs?: Record<string, { Value: unknown }>;
}

/** The Lambda function of a stage (found by its `lakestream:stage` tag), or undefined. */
export function stageFunction(template: TemplateJson, stage: string) {
  return Object.values(template.Resources).find(
    (r) =>
      r.Type === "AWS::Lambda::Function" &&
      (r.Properties.Tags as { Key: string; Value: string }[] | undefined)?.some(
        (t) => t.Key === "lakestream:stage" && t.Value === stage,
      ),
  )?.Properties;
}

/** The statements of every inline policy attached to the stage function's role, as JSON text. */
export function stagePolicies(template: TemplateJson, stage: string): string {
  const fn = stageFunction(template, stage);
  if (!fn) throw new Error(`no ${stage} function`);
  const role = (fn.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  return JSON.stringify(
    Object.values(template.Resources)
      .filter(
        (r) =>
          r.Type === "AWS::IAM::Policy" &&
          (r.Properties.Roles as { Ref?: string }[]).some((x) => x.Ref === role),
      )
      .map((r) => r.Properties.PolicyDocument),
  );
}
