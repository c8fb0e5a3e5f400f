import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StorageCatalog } from "../../shared/catalog/storage-catalog.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import { S3ObjectStore } from "../../shared/storage/s3-store.ts";
import { freshBucket, testS3Client } from "../helpers/services.ts";
import { describeCatalogContract } from "./catalog-contract.ts";

describeCatalogContract("storage catalog on a lake on disk", async () => {
  const store = new FsObjectStore(await mkdtemp(join(tmpdir(), "lakestream-catalog-")), { durable: false });
  return { catalog: new StorageCatalog(store), store, namespace: "lakestream" };
});

describeCatalogContract("storage catalog on a lake on the real S3Proxy server", async () => {
  const store = new S3ObjectStore({ client: testS3Client(), bucket: await freshBucket("catalog") });
  return { catalog: new StorageCatalog(store), store, namespace: "lakestream" };
});
