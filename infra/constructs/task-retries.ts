import { Duration } from "aws-cdk-lib";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";

/**
 * Retries with exponential backoff and full jitter on every task: Lambda service hiccups a few
 * times quickly, any other failure (S3 throttling, timeouts) a few times slowly. Stages are
 * idempotent, so a retry never duplicates output. A ConfigError cannot heal by retrying.
 */
export function withRetries<T extends sfn.TaskStateBase>(task: T, invokesLambda: boolean): T {
  task.addRetry({ errors: ["ConfigError"], maxAttempts: 0 });
  if (invokesLambda) {
    task.addRetry({
      errors: [
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
      ],
      interval: Duration.seconds(2),
      maxAttempts: 6,
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });
  }
  task.addRetry({
    errors: [sfn.Errors.TASKS_FAILED, sfn.Errors.TIMEOUT],
    interval: Duration.seconds(10),
    maxAttempts: 3,
    backoffRate: 3,
    maxDelay: Duration.minutes(2),
    jitterStrategy: sfn.JitterType.FULL,
  });
  return task;
}

/** Chains states in order; the first must exist. */
export function chainOf(states: sfn.IChainable[]): sfn.IChainable {
  const [first, ...rest] = states;
  let chain = sfn.Chain.start(first!);
  for (const next of rest) chain = chain.next(next);
  return chain;
}
