import { parseJsonExact, stringifyJsonExact } from "../core/iceberg/json.ts";
import { CatalogError, CatalogRequestError } from "./errors.ts";

/** Signs a request in place (SigV4 for Glue and S3 Tables); absent for an open local server. */
export type RequestSigner = (request: SignableRequest) => Promise<Record<string, string>>;

export interface SignableRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

export interface RestHttpOptions {
  readonly uri: string;
  readonly signer?: RequestSigner;
  readonly token?: string;
  /** Tries of an idempotent request on 429/5xx or a lost connection. */
  readonly attempts?: number;
  readonly timeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface RestResponse {
  readonly status: number;
  readonly body: unknown;
}

const TRANSIENT = new Set([429, 500, 502, 503, 504]);

/**
 * HTTP for the Iceberg REST protocol: JSON with exact 64-bit integers both ways, SigV4 or a
 * bearer token, and bounded retries with jittered backoff for requests that are safe to repeat.
 * A commit (not idempotent) is sent once; its caller decides what an unknown outcome means.
 */
export class RestHttp {
  readonly #base: string;
  readonly #o: RestHttpOptions;

  constructor(options: RestHttpOptions) {
    this.#base = options.uri.replace(/\/+$/, "");
    this.#o = options;
  }

  async request(
    method: "GET" | "POST" | "DELETE",
    path: string,
    options: { body?: unknown; query?: Record<string, string>; idempotent: boolean },
  ): Promise<RestResponse> {
    const url = new URL(`${this.#base}${path}`);
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
    const body = options.body === undefined ? undefined : stringifyJsonExact(options.body);
    const attempts = options.idempotent ? (this.#o.attempts ?? 4) : 1;
    let last: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const response = await this.#send(method, url, body);
        if (!TRANSIENT.has(response.status) || attempt === attempts) return response;
        last = new CatalogRequestError(
          `${method} ${url.pathname}`,
          response.status,
          errorMessage(response.body),
          true,
        );
      } catch (e) {
        if (!options.idempotent) throw e;
        last = e;
      }
      const backoff = 100 * 2 ** (attempt - 1);
      await (this.#o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))))(
        backoff / 2 + Math.random() * backoff,
      );
    }
    throw last;
  }

  async #send(method: string, url: URL, body: string | undefined): Promise<RestResponse> {
    const headers: Record<string, string> = { accept: "application/json", host: url.host };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.#o.token) headers.authorization = `Bearer ${this.#o.token}`;
    const signed = this.#o.signer
      ? await this.#o.signer({ method, url, headers, ...(body === undefined ? {} : { body }) })
      : headers;
    const { host: _host, ...sendHeaders } = signed;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: sendHeaders,
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(this.#o.timeoutMs ?? 30_000),
      });
    } catch (e) {
      throw new CatalogError(`${method} ${url.origin}${url.pathname}: ${(e as Error).message}`, true, {
        cause: e,
      });
    }
    const text = await response.text();
    let parsed: unknown = text;
    if (text.length > 0) {
      try {
        parsed = parseJsonExact(text);
      } catch {
        parsed = text;
      }
    }
    return { status: response.status, body: parsed };
  }
}

/** The `message` of the protocol's ErrorModel, or the raw text. */
export function errorMessage(body: unknown): string {
  const e = (body as { error?: { message?: string; type?: string } } | undefined)?.error;
  if (e?.message) return e.type ? `${e.type}: ${e.message}` : e.message;
  return typeof body === "string" ? body.slice(0, 500) : (JSON.stringify(body)?.slice(0, 500) ?? "");
}
