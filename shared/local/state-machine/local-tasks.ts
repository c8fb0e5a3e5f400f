import type { ObjectStore } from "../../storage/object-store.ts";
import type { LocalStageHandler } from "./run-local.ts";

/** A Task state of the definition and the local function that runs it (undefined: none). */
export type LocalTask =
  | { readonly state: string; readonly resource: string; readonly run: (input: unknown) => Promise<unknown> }
  | { readonly state: string; readonly resource: string; readonly run: undefined };

type States = Record<string, Record<string, unknown>>;

/** `arn:aws:lambda:<region>:<account>:function:lakestream-<stage>`, the synthesized placeholder. */
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:lakestream-([a-z-]+)$/;
const S3_PUT_OBJECT = "arn:aws:states:::aws-sdk:s3:putObject";

/**
 * Every Task state (including those inside Map and Parallel states) mapped to a local
 * function: a Lambda placeholder ARN to the stage handler of that name, S3 putObject to the
 * local store. Anything else maps to nothing, which the runner refuses before it starts.
 */
export function localTasks(
  definition: object,
  handlers: Readonly<Record<string, LocalStageHandler>>,
  store: ObjectStore,
): LocalTask[] {
  const out: LocalTask[] = [];
  const visit = (states: States) => {
    for (const [state, def] of Object.entries(states)) {
      if (def.Type === "Task") {
        const resource = String(def.Resource);
        out.push({ state, resource, run: localFunction(resource, handlers, store) });
      }
      const inner = (def.ItemProcessor ?? def.Iterator) as { States: States } | undefined;
      if (inner) visit(inner.States);
      for (const branch of (def.Branches ?? []) as { States: States }[]) visit(branch.States);
    }
  };
  visit((definition as { States: States }).States);
  return out;
}

function localFunction(
  resource: string,
  handlers: Readonly<Record<string, LocalStageHandler>>,
  store: ObjectStore,
): ((input: unknown) => Promise<unknown>) | undefined {
  const stage = LAMBDA_ARN.exec(resource)?.[1];
  if (stage !== undefined) return handlers[stage];
  if (resource === S3_PUT_OBJECT) {
    // The service integration's parameters (Bucket, Key, Body, ContentType) go to the local lake.
    return async (input) => {
      const { Key, Body, ContentType } = input as { Key: string; Body: unknown; ContentType?: string };
      const text = typeof Body === "string" ? Body : JSON.stringify(Body);
      await store.put(Key, new TextEncoder().encode(text), ContentType ? { contentType: ContentType } : {});
      return { ETag: '"local"' };
    };
  }
  return undefined;
}
