import { join } from "node:path";
import { type Duration, type RemovalPolicy, Tags } from "aws-cdk-lib";
import type * as ec2 from "aws-cdk-lib/aws-ec2";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import {
  type ICommandHooks,
  NodejsFunction,
  OutputFormat,
  SourceMapMode,
} from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { acknowledge } from "../nag.ts";

/** Tag naming the stage a function runs; the state-machine extractor maps ARNs back to handlers by it. */
export const STAGE_TAG = "lakestream:stage";

/**
 * Context key holding the absolute path of a user's pipeline module (`-c pipeline=<path>`):
 * esbuild bundles it into every handler through the `LAKESTREAM_PIPELINE_MODULE` constant
 * that shared/pipelines/index.ts reads.
 */
export const PIPELINE_MODULE_CONTEXT = "lakestream:pipeline-module";

/** Namespace of the custom metrics the handlers emit through Powertools. */
export const METRICS_NAMESPACE = "Lakestream";

/**
 * EC2 rights Lambda uses to place network interfaces (a function in a VPC, the Kafka pollers):
 * what AWSLambdaVPCAccessExecutionRole grants, without its logs:* on every log group.
 */
export const NETWORK_INTERFACE_ACTIONS = [
  "ec2:CreateNetworkInterface",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DescribeSubnets",
  "ec2:DeleteNetworkInterface",
  "ec2:AssignPrivateIpAddresses",
  "ec2:UnassignPrivateIpAddresses",
] as const;

/**
 * ESM bundles run `require` for Node built-ins pulled in by CommonJS dependencies (the AWS SDK's
 * among them); an ES module has no `require`, so the banner makes one.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __lakestreamCreateRequire } from 'node:module'; const require = __lakestreamCreateRequire(import.meta.url);";

export interface LakestreamFunctionProps {
  /** Absolute path of the handler file (`functions/<stage>/handler.ts`). */
  readonly entry: string;
  /** Pipeline the function serves; handlers read it from `PIPELINE`. */
  readonly pipeline: string;
  /** Stage name (ingest, plan, compact, aggregate, publish). */
  readonly stage: string;
  readonly lakeBucketName: string;
  /** Repository root: esbuild resolves the lock file and tsconfig from here. */
  readonly projectRoot: string;
  readonly logLevel: string;
  readonly logRetentionDays: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly memoryMiB: number;
  readonly timeout: Duration;
  readonly environment?: Record<string, string>;
  /**
   * Worker scripts bundled beside the handler as `<name>.mjs`, by name: the handler starts them
   * by path at run time, which esbuild cannot follow from the handler's imports.
   */
  readonly workerEntries?: Readonly<Record<string, string>>;
  /** Node and V8 flags beside `--enable-source-maps`, for NODE_OPTIONS. */
  readonly nodeOptions?: readonly string[];
  /** Only for functions that must reach Kafka brokers inside a VPC. */
  readonly vpc?: {
    readonly vpc: ec2.IVpc;
    readonly subnets: ec2.SubnetSelection;
    readonly securityGroups: ec2.ISecurityGroup[];
  };
}

/**
 * A pipeline Lambda function with the project's defaults set once: Node 24 on ARM64, an ES
 * module bundle built by local esbuild (no Docker), source maps, active X-Ray tracing (the
 * handlers add Powertools Tracer segments), Powertools settings in the environment, and its own
 * log group with a retention period. The role is created here with only the rights to write
 * to that log group (no AWS-managed policy: those allow writing to every log group); callers
 * add access through `grant*`.
 */
export class LakestreamFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: LakestreamFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, "Logs", {
      retention: props.logRetentionDays,
      removalPolicy: props.removalPolicy,
    });
    // An explicit role instead of the default AWSLambdaBasicExecutionRole, whose log rights cover every log group.
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `lakestream ${props.pipeline} ${props.stage} function`,
    });
    this.logGroup.grantWrite(this.role);
    if (props.vpc) {
      // Lambda creates the function's network interfaces with the execution role.
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: [...NETWORK_INTERFACE_ACTIONS], resources: ["*"] }),
      );
      acknowledge(
        this.role,
        "AwsSolutions-IAM5",
        ["Resource::*"],
        "Lambda attaches the function to the Kafka VPC with network interfaces it creates: EC2 Describe* calls have no resource-level permissions and the interfaces do not exist before Lambda creates them",
      );
    }
    acknowledge(
      this.role,
      "AwsSolutions-IAM5",
      ["Resource::*"],
      "Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level permissions",
    );

    this.function = new NodejsFunction(this, "Function", {
      entry: props.entry,
      handler: "handler",
      projectRoot: props.projectRoot,
      depsLockFilePath: `${props.projectRoot}/package-lock.json`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMiB,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      description: `lakestream ${props.stage} for pipeline ${props.pipeline}`,
      ...(props.vpc
        ? { vpc: props.vpc.vpc, vpcSubnets: props.vpc.subnets, securityGroups: props.vpc.securityGroups }
        : {}),
      environment: {
        PIPELINE: props.pipeline,
        LAKE_BUCKET: props.lakeBucketName,
        LOG_LEVEL: props.logLevel,
        POWERTOOLS_SERVICE_NAME: serviceName(props.stage),
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.logLevel,
        // Stage outputs are counts, but a trace is no place for anything a handler returns.
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: "false",
        NODE_OPTIONS: ["--enable-source-maps", ...(props.nodeOptions ?? [])].join(" "),
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: "node24",
        platform: "node",
        mainFields: ["module", "main"],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.EXTERNAL,
        sourcesContent: false,
        // Pin the SDK version we test with instead of the one the runtime happens to ship.
        bundleAwsSDK: true,
        forceDockerBundling: false,
        externalModules: [],
        define: { LAKESTREAM_PIPELINE_MODULE: pipelineModuleConstant(this) },
        ...(props.workerEntries && Object.keys(props.workerEntries).length > 0
          ? { commandHooks: workerBundling(props.workerEntries) }
          : {}),
      },
    });
    Tags.of(this.function).add(STAGE_TAG, props.stage);
  }
}

/**
 * After the handler's bundle, one more esbuild run per worker script into the same asset folder,
 * with the handler's settings (local esbuild, ES module for Node 24, minified, external map).
 */
function workerBundling(entries: Readonly<Record<string, string>>): ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir, outputDir) =>
      Object.entries(entries).map(([name, entry]) =>
        [
          "npx",
          "--no-install",
          "esbuild",
          "--bundle",
          entry,
          "--target=node24",
          "--platform=node",
          "--format=esm",
          "--main-fields=module,main",
          "--minify",
          "--sourcemap=external",
          "--sources-content=false",
          "--log-level=warning",
          `--banner:js=${ESM_REQUIRE_BANNER}`,
          `--outfile=${join(outputDir, `${name}.mjs`)}`,
        ]
          .map(shellQuote)
          .join(" "),
      ),
  };
}

/** One argument for `bash -c`, quoted so spaces and quotes in paths or the banner pass as they are. */
function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

function pipelineModuleConstant(scope: Construct): string {
  const module = scope.node.tryGetContext(PIPELINE_MODULE_CONTEXT) as string | undefined;
  return module === undefined ? "undefined" : JSON.stringify(module);
}

/** Powertools `service` dimension of a stage's metrics; alarms on custom metrics must use the same value. */
export function serviceName(stage: string): string {
  return `lakestream-${stage}`;
}
