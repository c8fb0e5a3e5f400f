import { createServer, request, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** What the proxy did to the requests it saw. */
export interface FaultCounts {
  requests: number;
  slowDown: number;
  internalError: number;
  reset: number;
  lostReply: number;
  outages: number;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`, to use as the S3 endpoint. */
  readonly url: string;
  /** Share of requests that get a fault, 0..1; change it at any time (0 heals). */
  rate: number;
  readonly counts: FaultCounts;
  /** Periodic outages (see FaultProxyOptions); change them at any time, undefined stops them. */
  outage: FaultProxyOptions["outage"];
  /** Starts an outage now: the next `length` requests all get a fault. */
  outageNow(length: number): void;
  close(): Promise<void>;
}

/** A small seeded PRNG (mulberry32), so a failing run can be replayed with the same faults. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const S3_ERROR = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;

/**
 * An HTTP proxy on 127.0.0.1 in front of a real S3-compatible server (S3Proxy) that fails a
 * share of the requests the way S3 and networks do: 503 SlowDown, 500 InternalError, a
 * connection reset before the request reaches S3, and a reset after S3 did the work (the reply
 * is lost). Everything else is forwarded untouched, headers included, so SigV4 still verifies.
 */
export interface FaultProxyOptions {
  /** The S3-compatible server on 127.0.0.1 to forward to. */
  readonly target: string;
  /** Share of requests that get a fault, 0..1. */
  readonly rate: number;
  readonly seed: number;
  /**
   * Outages: every `every` requests, the next `length` all get a fault, which outlasts the
   * SDK's own retries, so the pipeline's retries (partial batch responses, the state machine's
   * Retry, a rerun) must heal it.
   */
  readonly outage?: { readonly every: number; readonly length: number };
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  if (target.hostname !== "127.0.0.1" && target.hostname !== "localhost") {
    throw new Error(`the fault proxy only fronts a local server, not ${target.hostname}`);
  }
  const random = prng(options.seed);
  const counts: FaultCounts = {
    requests: 0,
    slowDown: 0,
    internalError: 0,
    reset: 0,
    lostReply: 0,
    outages: 0,
  };
  const sockets = new Set<Socket>();
  let outageLeft = 0;
  const proxy: FaultProxy = {
    url: "",
    rate: options.rate,
    outage: options.outage,
    counts,
    outageNow: (length) => {
      counts.outages++;
      outageLeft = length;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    counts.requests++;
    const { outage } = proxy;
    if (outage && proxy.rate > 0 && counts.requests % outage.every === 0) {
      counts.outages++;
      outageLeft = outage.length;
    }
    const inOutage = outageLeft > 0;
    if (inOutage) outageLeft--;
    const fault = inOutage || random() < proxy.rate ? Math.floor(random() * 4) : -1;
    const reply = (status: number, code: string) => {
      // Read the body first, as S3 does before it answers, so the client sees the answer.
      req.resume();
      req.once("end", () => {
        res.writeHead(status, { "content-type": "application/xml", connection: "close" });
        res.end(S3_ERROR(code, "injected by the test's fault proxy"));
      });
    };
    if (fault === 0) {
      counts.slowDown++;
      return reply(503, "SlowDown");
    }
    if (fault === 1) {
      counts.internalError++;
      return reply(500, "InternalError");
    }
    if (fault === 2) {
      counts.reset++;
      req.socket.destroy();
      return;
    }
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        if (fault === 3) {
          // S3 did the work; the client never hears of it.
          counts.lostReply++;
          up.resume();
          up.once("end", () => req.socket.destroy());
          return;
        }
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.once("error", () => req.socket.destroy());
    req.pipe(upstream);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(proxy, { url: `http://127.0.0.1:${port}` });
}
