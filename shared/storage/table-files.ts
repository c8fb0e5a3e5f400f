import { keyOfLocation } from "./locations.ts";
import type { ObjectStore, PutOptions, PutResult } from "./object-store.ts";
import { StorageError } from "./object-store.ts";

/**
 * Files of Iceberg tables, by absolute location. Most tables live in the lake (`<lake>/warehouse/…`),
 * but a catalog may choose where a table lives: S3 Tables puts each table in storage of its own
 * (`s3://<id>--table-s3/…`), written through the S3 object API. Locations in the lake go to the
 * lake's store; others, when `open` is given, to a store for their bucket.
 */
export interface TableFiles {
  /** Named unlike ObjectStore's get/put on purpose: a store (keys) is not files (locations). */
  read(location: string): Promise<Uint8Array | undefined>;
  write(location: string, body: Uint8Array, options?: PutOptions): Promise<PutResult>;
}

export function tableFiles(lake: ObjectStore, open?: (bucket: string) => ObjectStore): TableFiles {
  const stores = new Map<string, ObjectStore>();
  const resolve = (location: string): [ObjectStore, string] => {
    try {
      return [lake, keyOfLocation(lake, location)];
    } catch (e) {
      const m = /^s3a?:\/\/([^/]+)\/(.+)$/.exec(location);
      if (!open || !m) throw e;
      let store = stores.get(m[1]!);
      if (!store) {
        store = open(m[1]!);
        stores.set(m[1]!, store);
      }
      if (!m[2]) throw new StorageError(location, "names no object", false);
      return [store, m[2]];
    }
  };
  return {
    read: (location) => {
      const [store, key] = resolve(location);
      return store.get(key);
    },
    write: (location, body, options) => {
      const [store, key] = resolve(location);
      return store.put(key, body, options);
    },
  };
}
