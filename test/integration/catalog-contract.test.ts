import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RestCatalog } from "../../shared/catalog/rest-catalog.ts";
import { StorageCatalog } from "../../shared/catalog/storage-catalog.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import { S3ObjectStore } from "../../shared/storage/s3-store.ts";
import { assertRestCatalogReady, restCatalogDisk, restCatalogS3 } from "../helpers/catalogs.ts";
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

/** A namespace of its own per run: the REST servers keep their catalogs between runs. */
const namespace = () => `contract_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;

describeCatalogContract("Apache Iceberg's REST catalog server, tables on local disk", async () => {
  const endpoint = restCatalogDisk();
  await assertRestCatalogReady(endpoint);
  const store = new FsObjectStore(await mkdtemp(join(tmpdir(), "lakestream-rest-catalog-")), {
    durable: false,
  });
  return { catalog: new RestCatalog({ uri: endpoint.uri }), store, namespace: namespace() };
});

describeCatalogContract(
  "Apache Iceberg's REST catalog server, tables on the real S3Proxy server",
  async () => {
    const endpoint = restCatalogS3();
    await assertRestCatalogReady(endpoint);
    const store = new S3ObjectStore({ client: testS3Client(), bucket: await freshBucket("rest-catalog") });
    return { catalog: new RestCatalog({ uri: endpoint.uri }), store, namespace: namespace() };
  },
);
