import { describe, expect, it } from "vitest";
import { kafkaClientConfig } from "../../shared/runtime/kafka-connection.ts";
import { createMskIamTokenProvider } from "../../shared/runtime/kafka-msk-iam.ts";

// A local broker cannot check MSK IAM tokens (only MSK can), so these tests fake the AWS
// credentials and check the token the real signer builds from them.
const fakeCredentials = async () => ({
  accessKeyId: "AKIDEXAMPLEFAKE",
  secretAccessKey: "fake-secret",
  sessionToken: "fake-session",
});

function decode(token: string): URL {
  return new URL(Buffer.from(token, "base64url").toString("utf8"));
}

describe("MSK IAM token provider (fakes AWS credentials)", () => {
  it("builds a SigV4-presigned kafka-cluster:Connect URL for the region (fakes AWS credentials)", async () => {
    const provider = createMskIamTokenProvider({ region: "eu-west-1", credentials: fakeCredentials });
    const { token, expiryTime } = await provider();
    const url = decode(token);
    expect(url.host).toBe("kafka.eu-west-1.amazonaws.com");
    expect(url.searchParams.get("Action")).toBe("kafka-cluster:Connect");
    expect(url.searchParams.get("X-Amz-Algorithm")).toBe("AWS4-HMAC-SHA256");
    expect(url.searchParams.get("X-Amz-Credential")).toMatch(
      /^AKIDEXAMPLEFAKE\/\d{8}\/eu-west-1\/kafka-cluster\/aws4_request$/,
    );
    expect(url.searchParams.get("X-Amz-Security-Token")).toBe("fake-session");
    expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
    expect(expiryTime).toBeGreaterThan(Date.now());
    expect(expiryTime).toBeLessThanOrEqual(Date.now() + 15 * 60 * 1000 + 1000);
  });

  it("reuses the token until shortly before it expires, then signs a new one (fakes AWS credentials)", async () => {
    let calls = 0;
    let now = Date.now();
    const provider = createMskIamTokenProvider({
      region: "us-east-1",
      credentials: async () => {
        calls++;
        return fakeCredentials();
      },
      now: () => now,
    });
    const [a, b] = await Promise.all([provider(), provider()]);
    expect(calls).toBe(1);
    expect(b.token).toBe(a.token);
    now = a.expiryTime - 30_000; // inside the 60 s refresh margin
    await provider();
    expect(calls).toBe(2);
  });

  it("fails when the credentials cannot be resolved, and tries again next time (fakes AWS credentials)", async () => {
    let fail = true;
    const provider = createMskIamTokenProvider({
      region: "us-east-1",
      credentials: async () => {
        if (fail) throw new Error("no credentials");
        return fakeCredentials();
      },
    });
    await expect(provider()).rejects.toThrow("no credentials");
    fail = false;
    await expect(provider()).resolves.toHaveProperty("token");
  });

  it("kafkajs gets OAUTHBEARER over TLS with the token as its value (fakes AWS credentials)", async () => {
    const config = kafkaClientConfig({
      brokers: ["b-1.demo.kafka.us-east-1.amazonaws.com:9098"],
      security: { protocol: "msk-iam", region: "us-east-1", credentials: fakeCredentials },
    });
    expect(config.ssl).toBe(true);
    const sasl = config.sasl as { mechanism: string; oauthBearerProvider: () => Promise<{ value: string }> };
    expect(sasl.mechanism).toBe("oauthbearer");
    const { value } = await sasl.oauthBearerProvider();
    expect(decode(value).searchParams.get("Action")).toBe("kafka-cluster:Connect");
  });
});
