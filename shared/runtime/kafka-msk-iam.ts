import {
  type GenerateAuthTokenResponse,
  generateAuthToken,
  generateAuthTokenFromCredentialsProvider,
} from "aws-msk-iam-sasl-signer-js";

/** What the AWS SDK calls an AwsCredentialIdentityProvider, spelled out to keep the SDK types out. */
export type AwsCredentialsProvider = () => Promise<{
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}>;

export interface MskIamTokenOptions {
  readonly region: string;
  /** Omit to use the SDK default chain; tests pass a fake provider. */
  readonly credentials?: AwsCredentialsProvider;
  /** Refresh this long before the token expires (default 60 s), so no connection gets a dying token. */
  readonly refreshBeforeMs?: number;
  /** Injectable clock for tests. */
  readonly now?: () => number;
}

/**
 * A cached MSK IAM token provider for kafkajs's OAUTHBEARER mechanism. kafkajs asks for a
 * token on every new broker connection; signing is cheap but credential resolution (STS,
 * instance metadata) is not, so one token is reused until shortly before it expires
 * (tokens live 15 minutes, or less when the credentials expire sooner). Concurrent callers
 * share one in-flight signing.
 */
export function createMskIamTokenProvider(
  options: MskIamTokenOptions,
): () => Promise<GenerateAuthTokenResponse> {
  const now = options.now ?? Date.now;
  const refreshBeforeMs = options.refreshBeforeMs ?? 60_000;
  let cached: GenerateAuthTokenResponse | undefined;
  let inFlight: Promise<GenerateAuthTokenResponse> | undefined;

  const sign = (): Promise<GenerateAuthTokenResponse> =>
    options.credentials
      ? generateAuthTokenFromCredentialsProvider({
          region: options.region,
          awsCredentialsProvider: options.credentials,
        })
      : generateAuthToken({ region: options.region });

  return async () => {
    if (cached && cached.expiryTime - refreshBeforeMs > now()) return cached;
    inFlight ??= sign().then(
      (token) => {
        cached = token;
        inFlight = undefined;
        return token;
      },
      (e: unknown) => {
        inFlight = undefined;
        throw e;
      },
    );
    return inFlight;
  };
}
