import { ConfigError } from "../core/errors.ts";
import * as z from "../core/zod.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import { RestCatalog } from "./rest-catalog.ts";
import { sigv4Signer } from "./sigv4-signer.ts";
import { StorageCatalog } from "./storage-catalog.ts";
import type { TableCatalog } from "./table-catalog.ts";

/**
 * Which catalog registers the Iceberg tables. `storage` (the default): metadata files in the
 * lake, no server. `rest`: any Iceberg REST catalog — Glue's endpoint with SigV4 (`signing:
 * "glue"`), S3 Tables (`signing: "s3tables"`), or an open server such as Iceberg's own.
 */
export type CatalogConfig =
  | { readonly type: "storage" }
  | {
      readonly type: "rest";
      readonly uri: string;
      readonly warehouse?: string;
      /** SigV4 signing name; omitted: unsigned requests (a local server). */
      readonly signing?: string;
      readonly region?: string;
    };

export function openCatalog(config: CatalogConfig, store: ObjectStore): TableCatalog {
  if (config.type === "storage") return new StorageCatalog(store);
  const region = config.region ?? process.env.AWS_REGION ?? "us-east-1";
  return new RestCatalog({
    uri: config.uri,
    // S3 Tables keeps each table in storage it allocates: a create may not name a location.
    assignsLocations: config.signing === "s3tables",
    ...(config.warehouse ? { warehouse: config.warehouse } : {}),
    ...(config.signing ? { signer: sigv4Signer(config.signing, region) } : {}),
  });
}

const env = z.object({
  CATALOG_TYPE: z._default(z.enum(["storage", "rest"]), "storage"),
  CATALOG_URI: z.optional(z.url()),
  CATALOG_WAREHOUSE: z.optional(z.string().check(z.minLength(1))),
  CATALOG_SIGNING: z.optional(z.string().check(z.regex(/^[a-z0-9-]+$/))),
  CATALOG_NAMESPACE: z.optional(z.string().check(z.regex(/^[a-z_][a-z0-9_]{0,254}$/))),
  AWS_REGION: z.optional(z.string()),
});

/** The catalog settings of a handler's environment; a wrong one fails the cold start, named. */
export function catalogFromEnv(vars: Readonly<Record<string, string | undefined>>): {
  config: CatalogConfig;
  namespace?: string;
} {
  const parsed = env.safeParse(vars);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`env.${issue.path.join(".")}`, issue.message);
  }
  const e = parsed.data;
  const namespace = e.CATALOG_NAMESPACE ? { namespace: e.CATALOG_NAMESPACE } : {};
  if (e.CATALOG_TYPE === "storage") return { config: { type: "storage" }, ...namespace };
  if (!e.CATALOG_URI) throw new ConfigError("env.CATALOG_URI", "a rest catalog needs its URI");
  return {
    config: {
      type: "rest",
      uri: e.CATALOG_URI,
      ...(e.CATALOG_WAREHOUSE ? { warehouse: e.CATALOG_WAREHOUSE } : {}),
      ...(e.CATALOG_SIGNING ? { signing: e.CATALOG_SIGNING } : {}),
      ...(e.AWS_REGION ? { region: e.AWS_REGION } : {}),
    },
    ...namespace,
  };
}
