import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import type { RequestSigner } from "./rest-http.ts";

/**
 * SigV4 for AWS's Iceberg REST endpoints: Glue (`https://glue.<region>.amazonaws.com/iceberg`,
 * signing name `glue`) and S3 Tables (`https://s3tables.<region>.amazonaws.com/iceberg`,
 * signing name `s3tables`), with the function role's credentials from the default chain.
 */
export function sigv4Signer(service: string, region: string): RequestSigner {
  const signer = new SignatureV4({
    service,
    region,
    credentials: defaultProvider(),
    sha256: Hash.bind(null, "sha256"),
  });
  return async ({ method, url, headers, body }) => {
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      ...(body === undefined ? {} : { body }),
    });
    return signed.headers as Record<string, string>;
  };
}
