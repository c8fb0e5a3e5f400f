import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { filePipelines } from "./fixtures/file-pipelines.ts";
import { type Synthesized, synthesize } from "./helpers/synth.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SCRIPT = join(ROOT, "test/services/checkov.sh");
const ACKNOWLEDGEMENTS = join(ROOT, "infra/checkov-acknowledgements.json");

interface Acknowledgement {
  readonly check: string;
  readonly resource: string;
  readonly reason: string;
}
interface Finding {
  readonly check_id: string;
  readonly resource: string;
  readonly file_path: string;
}
interface Report {
  readonly summary: { passed: number; failed: number; parsing_errors: number; resource_count: number };
  readonly results: { failed_checks: Finding[] };
}

/**
 * Checkov (installed from PyPI by test/services/checkov.sh) over the templates `cdk synth`
 * writes: the default settings (MSK Serverless, SSE-S3, Glue catalog), a KMS-encrypted lake, and
 * S3 Tables as the catalog. Offline:
 * `--skip-download` and BC_SKIP_MAPPING keep it from calling its vendor's API.
 */
const synths: Synthesized[] = [];
let scan: string;
let report: Report;

beforeAll(() => {
  execFileSync("bash", [SCRIPT, "install"], { stdio: "inherit", timeout: 20 * 60_000 });
  scan = mkdtempSync(join(tmpdir(), "lakestream-checkov-"));
  const variants: [string, Record<string, unknown> | undefined, typeof filePipelines | undefined][] = [
    ["default", undefined, undefined],
    ["kms", { lake: { encryption: "kms" } }, undefined],
    ["s3tables", { catalog: { type: "s3tables" } }, undefined],
    // The file source: its queues, rule and files function, in the lake bucket and in another.
    ["files", undefined, filePipelines],
    ["files-bucket", { files: { bucketName: "landing-zone-123" } }, filePipelines],
  ];
  for (const [name, lakestream, pipelines] of variants) {
    const synth = synthesize({ ...(lakestream ? { lakestream } : {}), ...(pipelines ? { pipelines } : {}) });
    synths.push(synth);
    mkdirSync(join(scan, name));
    for (const file of readdirSync(synth.outdir).filter((f) => f.endsWith(".template.json"))) {
      copyFileSync(join(synth.outdir, file), join(scan, name, file));
    }
  }
  const checkov = execFileSync("bash", [SCRIPT, "path"], { encoding: "utf8" }).trim();
  const run = spawnSync(
    checkov,
    ["-d", scan, "--framework", "cloudformation", "-o", "json", "--quiet", "--compact", "--skip-download"],
    { encoding: "utf8", env: { ...process.env, BC_SKIP_MAPPING: "TRUE" }, maxBuffer: 64 * 1024 * 1024 },
  );
  // Exit status 1 means "findings"; anything else is a crash.
  if (run.status !== 0 && run.status !== 1) throw new Error(`checkov failed (${run.status}): ${run.stderr}`);
  report = JSON.parse(run.stdout) as Report;
}, 30 * 60_000);
afterAll(() => {
  for (const s of synths) s.cleanup();
  if (scan) rmSync(scan, { recursive: true, force: true });
});

function acknowledgements(): Acknowledgement[] {
  return (JSON.parse(readFileSync(ACKNOWLEDGEMENTS, "utf8")) as { acknowledgements: Acknowledgement[] })
    .acknowledgements;
}

describe("checkov over the synthesized templates", () => {
  it("parses every template of both variants", () => {
    expect(report.summary.parsing_errors).toBe(0);
    expect(report.summary.resource_count).toBeGreaterThan(250);
    expect(report.summary.passed).toBeGreaterThan(500);
  });

  it("leaves no finding that infra/checkov-acknowledgements.json does not acknowledge", () => {
    const acks = acknowledgements();
    const unacknowledged = report.results.failed_checks
      .filter((f) => !acks.some((a) => a.check === f.check_id && new RegExp(a.resource).test(f.resource)))
      .map((f) => `${f.check_id} ${f.resource} (${f.file_path})`);
    expect(unacknowledged).toEqual([]);
  });

  it("keeps no acknowledgement that no finding needs, and gives each a reason", () => {
    for (const a of acknowledgements()) {
      const used = report.results.failed_checks.some(
        (f) => a.check === f.check_id && new RegExp(a.resource).test(f.resource),
      );
      expect(used, `${a.check} ${a.resource}`).toBe(true);
      expect(a.reason.length, a.check).toBeGreaterThan(80);
    }
  });

  it("finds every bucket versioned (CKV_AWS_21 failed on both buckets before) and no IAM wildcard finding", () => {
    const failed = new Set(report.results.failed_checks.map((f) => f.check_id));
    expect(failed.has("CKV_AWS_21")).toBe(false); // S3 versioning
    expect(failed.has("CKV_AWS_108")).toBe(false); // IAM data exfiltration
    expect(failed.has("CKV_AWS_109")).toBe(false); // IAM permissions management
    expect(acknowledgements().map((a) => a.check)).not.toContain("CKV_AWS_21");
  });
});
