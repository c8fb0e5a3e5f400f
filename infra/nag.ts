import { type CfnElement, Stack, Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/**
 * How cdk-nag names a same-stack `Fn::GetAtt <resource>.Arn` in a finding id, e.g.
 * `<LakeBucket1234.Arn>`. Findings are acknowledged one by one (cdk-nag v3 has no prefix
 * match), so acknowledgements are built from the real logical ids instead of copied by hand.
 */
export function nagArnRef(construct: IConstruct): string {
  const element = construct.node.defaultChild as CfnElement;
  return `<${Stack.of(element).getLogicalId(element)}.Arn>`;
}

/**
 * Acknowledges AwsSolutions findings on `scope` (and everything below it) with one reason.
 * `findings` are the parts in brackets (`Action::s3:List*`), or whole rule ids (`AwsSolutions-S1`).
 */
export function acknowledge(
  scope: IConstruct,
  rule: string,
  findings: readonly string[],
  reason: string,
): void {
  const ids = findings.length === 0 ? [rule] : findings.map((f) => `${rule}[${f}]`);
  Validations.of(scope).acknowledge(...ids.map((id) => ({ id, reason })));
}

/** The IAM5 action findings of `key.grantEncrypt` (the state machine's RecordFailure on a KMS lake). */
export const KMS_ACTIONS = ["Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*"] as const;
