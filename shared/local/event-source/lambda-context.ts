import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";

/**
 * The Context Lambda passes to a handler, filled with local values. Powertools reads the
 * function name, request id and remaining time from it, so the handler logs and measures
 * locally as it does on Lambda.
 */
export function lambdaContext(timeoutMs: number, functionName = "lakestream-local"): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
