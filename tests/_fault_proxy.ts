/**
 * Test fixture: a fault-injecting HTTP/1.1 reverse proxy on 127.0.0.1, put
 * between an S3 client and the gateway.
 *
 * It works on raw TCP (`Deno.listen`), so it can do what an HTTP server API
 * cannot: drop a connection before or after forwarding, or cut a response
 * body short of its `Content-Length`. Requests are forwarded byte for byte,
 * `Host` header included, so clients sign for the proxy's `host:port` (the
 * gateway accepts that for path-style requests). Each request goes upstream
 * on a fresh connection; the client side keeps its connection alive.
 *
 * Faults are drawn from a seeded xoshiro128** stream: with probability
 * `faultRate` a request gets one fault, chosen uniformly from `kinds`.
 * Separately, {@link FaultProxy.outage} takes the upstream down for a while:
 * every connection is refused or reset until it is over, and
 * {@link FaultProxy.hold} can keep chosen requests waiting.
 *
 * @module
 */

import { keyedStream } from "../src/numeric/rng.ts";

/** Every kind of fault the proxy can inject. */
export const FAULT_KINDS = [
  "slowDown",
  "errorAfterWrite",
  "resetBeforeForward",
  "resetAfterForward",
  "truncateBody",
  "delay",
] as const;

/**
 * One kind of fault:
 * - `slowDown`: answer 503 SlowDown (S3 XML body) without forwarding;
 * - `errorAfterWrite`: forward (so a PUT happens), then answer 500 InternalError;
 * - `resetBeforeForward`: close the client connection without forwarding;
 * - `resetAfterForward`: forward, then close the client connection without answering;
 * - `truncateBody`: forward, send the head and half the body, close (a reply
 *   without a body gets `resetAfterForward` instead, and is counted as such);
 * - `delay`: wait `delayMs`, then forward normally.
 */
export type FaultKind = typeof FAULT_KINDS[number];

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** Seed of the fault stream (default 1). */
  seed?: number;
  /** Probability that a request is faulted, in [0, 1] (default 0.1). */
  faultRate?: number;
  /** The kinds to draw from (default all of {@link FAULT_KINDS}). */
  kinds?: readonly FaultKind[];
  /** Wait of a `delay` fault in milliseconds (default 100). */
  delayMs?: number;
  /** Keep every request's method, target and headers in {@link FaultProxy.received} (default false). */
  recordRequests?: boolean;
}

/** A request the proxy received (with `recordRequests`). */
export interface ReceivedRequest {
  /** Request method. */
  method: string;
  /** Request target (path and query). */
  target: string;
  /** Header names (lower case) and values. */
  headers: Map<string, string>;
  /** `performance.now()` when its head was read. */
  at: number;
}

/** One injected fault. */
export interface FaultRecord {
  /** Request method. */
  method: string;
  /** Request target (path and query). */
  target: string;
  /** What was done. */
  kind: FaultKind;
}

const CRLF_CRLF = new Uint8Array([13, 10, 13, 10]);
const CRLF = new Uint8Array([13, 10]);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Buffered reads on a connection. */
class Reader {
  #conn: Deno.Conn;
  #buf: Uint8Array = new Uint8Array(0);

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  /** Read more bytes into the buffer; `false` at end of stream. */
  async #fill(): Promise<boolean> {
    const chunk = new Uint8Array(65536);
    const n = await this.#conn.read(chunk);
    if (n === null) return false;
    const next = new Uint8Array(this.#buf.length + n);
    next.set(this.#buf);
    next.set(chunk.subarray(0, n), this.#buf.length);
    this.#buf = next;
    return true;
  }

  /** Bytes up to and including `delim`; `null` on a clean end before any byte. */
  async readUntil(delim: Uint8Array): Promise<Uint8Array | null> {
    let from = 0;
    for (;;) {
      const at = indexOf(this.#buf, delim, from);
      if (at >= 0) {
        const out = this.#buf.slice(0, at + delim.length);
        this.#buf = this.#buf.slice(at + delim.length);
        return out;
      }
      from = Math.max(0, this.#buf.length - delim.length + 1);
      if (!(await this.#fill())) {
        if (this.#buf.length === 0) return null;
        throw new Error("Connection closed in the middle of a line");
      }
    }
  }

  /** Exactly `n` bytes. */
  async readExact(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    const fromBuf = Math.min(n, this.#buf.length);
    out.set(this.#buf.subarray(0, fromBuf));
    this.#buf = this.#buf.slice(fromBuf);
    let have = fromBuf;
    while (have < n) {
      const got = await this.#conn.read(out.subarray(have));
      if (got === null) throw new Error(`Connection closed after ${have} of ${n} bytes`);
      have += got;
    }
    return out;
  }

  /** Everything until the peer closes. */
  async readToEnd(): Promise<Uint8Array> {
    while (await this.#fill()) { /* keep reading */ }
    const out = this.#buf;
    this.#buf = new Uint8Array(0);
    return out;
  }
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

interface Head {
  raw: Uint8Array;
  startLine: string;
  headers: Map<string, string>;
}

function parseHead(raw: Uint8Array): Head {
  const lines = decoder.decode(raw).split("\r\n");
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  return { raw, startLine: lines[0], headers };
}

/** The raw body bytes of a message, and whether it was delimited by the connection closing. */
async function readBody(
  reader: Reader,
  head: Head,
  isResponse: boolean,
): Promise<{ raw: Uint8Array; untilClose: boolean }> {
  if (/chunked/i.test(head.headers.get("transfer-encoding") ?? "")) {
    const parts: Uint8Array[] = [];
    for (;;) {
      const line = await reader.readUntil(CRLF);
      if (line === null) throw new Error("Connection closed in a chunked body");
      parts.push(line);
      const size = parseInt(decoder.decode(line), 16);
      if (!Number.isFinite(size)) throw new Error("Bad chunk size");
      if (size === 0) break;
      parts.push(await reader.readExact(size + 2));
    }
    for (;;) { // trailers, then the empty line
      const line = await reader.readUntil(CRLF);
      if (line === null) throw new Error("Connection closed in chunked trailers");
      parts.push(line);
      if (line.length === 2) break;
    }
    return { raw: concat(parts), untilClose: false };
  }
  const length = head.headers.get("content-length");
  if (length !== undefined) {
    return { raw: await reader.readExact(Number(length)), untilClose: false };
  }
  if (!isResponse) return { raw: new Uint8Array(0), untilClose: false };
  return { raw: await reader.readToEnd(), untilClose: true };
}

async function writeAll(conn: Deno.Conn, ...parts: Uint8Array[]): Promise<void> {
  const data = parts.length === 1 ? parts[0] : concat(parts);
  for (let at = 0; at < data.length;) at += await conn.write(data.subarray(at));
}

function s3ErrorReply(status: number, reason: string, code: string, message: string): Uint8Array {
  const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code>` +
    `<Message>${message}</Message><RequestId>fault-proxy</RequestId></Error>`;
  const bytes = encoder.encode(body);
  return encoder.encode(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/xml\r\n` +
      `Content-Length: ${bytes.length}\r\nConnection: keep-alive\r\n\r\n${body}`,
  );
}

/** A running fault proxy. */
export class FaultProxy {
  /** The proxy's endpoint, `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** Faults injected so far, by kind. */
  readonly counts: Record<FaultKind, number>;
  /** Every fault injected, in order. */
  readonly log: FaultRecord[] = [];
  /** Every request received, in order (only with `recordRequests`). */
  readonly received: ReceivedRequest[] = [];
  #recordRequests: boolean;
  /** Probability that the next request is faulted; may be changed at any time. */
  faultRate: number;
  /**
   * Called with each request's method and target before it is forwarded:
   * `undefined` lets it through; a promise keeps it waiting until it
   * settles, then forwards it (`"forward"`) or drops its connection
   * (`"drop"`). May be changed at any time.
   */
  hold?: (method: string, target: string) => Promise<"forward" | "drop"> | undefined;
  /** Requests received. */
  requests = 0;
  /** Requests forwarded to the upstream. */
  forwarded = 0;
  /** Connections dropped by outages: open when one began, or accepted (and reset) during one. */
  dropped = 0;
  #upstream: Deno.ConnectOptions;
  #listener: Deno.TcpListener;
  #rng;
  #kinds: readonly FaultKind[];
  #delayMs: number;
  #conns = new Set<Deno.Conn>();
  #tasks = new Set<Promise<void>>();
  #accepting: Promise<void>;
  #closed = false;
  #down = false;

  /**
   * Listen on 127.0.0.1 (a free port) and forward to `upstream`.
   *
   * @param upstream The gateway, e.g. `http://127.0.0.1:7480`.
   * @param options Seed, fault rate, kinds and delay.
   */
  constructor(upstream: string, options: FaultProxyOptions = {}) {
    const url = new URL(upstream);
    if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") {
      throw new TypeError(`Fault proxy upstream must be on loopback: got "${upstream}"`);
    }
    this.#upstream = { hostname: "127.0.0.1", port: Number(url.port || 80) };
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.endpoint = `http://127.0.0.1:${(this.#listener.addr as Deno.NetAddr).port}`;
    this.faultRate = options.faultRate ?? 0.1;
    this.#kinds = options.kinds ?? FAULT_KINDS;
    if (this.#kinds.length === 0) throw new RangeError("Fault proxy needs at least one fault kind");
    this.#delayMs = options.delayMs ?? 100;
    this.#recordRequests = options.recordRequests ?? false;
    this.#rng = keyedStream(options.seed ?? 1, "fault-proxy", 0, 0);
    this.counts = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
    this.#accepting = this.#accept();
  }

  /**
   * Take the upstream "down" for `ms` milliseconds, as a crashed or
   * restarting server would be: every connection open now is dropped
   * (requests in flight get no reply); for the first `refuseMs` the port is
   * closed, so new connections are refused; from then until the end, new
   * connections are accepted and closed at once (reset). Afterwards the
   * proxy serves normally again, on the same port.
   *
   * @param ms Length of the outage in milliseconds.
   * @param options `refuseMs`: how long of it the port is closed (default 0).
   * @returns When the outage is over.
   */
  async outage(ms: number, options: { refuseMs?: number } = {}): Promise<void> {
    if (this.#down) throw new Error("The fault proxy is already in an outage");
    const refuseMs = Math.min(ms, options.refuseMs ?? 0);
    this.#down = true;
    for (const conn of this.#conns) {
      this.dropped++;
      closeQuietly(conn);
    }
    const started = performance.now();
    if (refuseMs > 0) {
      closeQuietly(this.#listener);
      await this.#accepting;
      await sleep(refuseMs);
      if (this.#closed) return;
      this.#listener = await listenAgain(this.#listener.addr as Deno.NetAddr);
      this.#accepting = this.#accept();
    }
    await sleep(ms - (performance.now() - started));
    this.#down = false;
  }

  /** Stop listening, drop every connection, and wait for the handlers to finish. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    closeQuietly(this.#listener);
    for (const conn of this.#conns) closeQuietly(conn);
    await this.#accepting;
    await Promise.allSettled([...this.#tasks]);
  }

  async #accept(): Promise<void> {
    for (;;) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
      } catch {
        return; // listener closed
      }
      if (this.#down) {
        this.dropped++;
        closeQuietly(conn);
        continue;
      }
      this.#track(conn);
      const task = this.#serve(conn).finally(() => this.#tasks.delete(task));
      this.#tasks.add(task);
    }
  }

  #track(conn: Deno.TcpConn): void {
    conn.setNoDelay(true);
    this.#conns.add(conn);
    if (this.#closed) closeQuietly(conn);
  }

  #release(conn: Deno.Conn): void {
    this.#conns.delete(conn);
    closeQuietly(conn);
  }

  #draw(): FaultKind | undefined {
    if (this.#rng.nextFloat64() >= this.faultRate) return undefined;
    return this.#kinds[this.#rng.integer(0, this.#kinds.length - 1)];
  }

  #record(head: Head, kind: FaultKind): void {
    const [method = "", target = ""] = head.startLine.split(" ");
    this.counts[kind]++;
    this.log.push({ method, target, kind });
  }

  async #serve(client: Deno.Conn): Promise<void> {
    const reader = new Reader(client);
    try {
      for (;;) {
        const raw = await reader.readUntil(CRLF_CRLF);
        if (raw === null) return;
        const request = parseHead(raw);
        const { raw: body } = await readBody(reader, request, false);
        this.requests++;
        if (this.#recordRequests) {
          const [method = "", target = ""] = request.startLine.split(" ");
          this.received.push({ method, target, headers: request.headers, at: performance.now() });
        }
        if (this.#down) {
          this.dropped++;
          return;
        }
        const [method = "", target = ""] = request.startLine.split(" ");
        const held = this.hold?.(method, target);
        if (held !== undefined && (await held) === "drop") return;
        const kind = this.#draw();
        if (kind === "resetBeforeForward") {
          this.#record(request, kind);
          return;
        }
        if (kind === "slowDown") {
          this.#record(request, kind);
          await writeAll(
            client,
            s3ErrorReply(503, "Slow Down", "SlowDown", "Please reduce your request rate."),
          );
          continue;
        }
        if (kind === "delay") {
          this.#record(request, kind);
          await new Promise((resolve) => setTimeout(resolve, this.#delayMs));
        }
        const reply = await this.#forward(request, body);
        if (kind === "errorAfterWrite") {
          this.#record(request, kind);
          await writeAll(
            client,
            s3ErrorReply(500, "Internal Server Error", "InternalError", "We hit a snag."),
          );
          continue;
        }
        if (kind === "resetAfterForward") {
          this.#record(request, kind);
          return;
        }
        if (kind === "truncateBody") {
          if (reply.body.length === 0) {
            this.#record(request, "resetAfterForward");
          } else {
            this.#record(request, kind);
            await writeAll(client, reply.head.raw, reply.body.subarray(0, reply.body.length >> 1));
          }
          return;
        }
        await writeAll(client, reply.head.raw, reply.body);
        if (reply.untilClose) return;
      }
    } catch {
      // A broken client or upstream connection ends this connection.
    } finally {
      this.#release(client);
    }
  }

  /** Send one request upstream on a fresh connection and read the whole reply. */
  async #forward(
    request: Head,
    body: Uint8Array,
  ): Promise<{ head: Head; body: Uint8Array; untilClose: boolean }> {
    const upstream = await Deno.connect(this.#upstream);
    this.#track(upstream);
    try {
      await writeAll(upstream, request.raw, body);
      this.forwarded++;
      const reader = new Reader(upstream);
      for (;;) {
        const raw = await reader.readUntil(CRLF_CRLF);
        if (raw === null) throw new Error("Upstream closed without a reply");
        const head = parseHead(raw);
        const status = Number(head.startLine.split(" ")[1]);
        if (status >= 100 && status < 200) continue; // interim reply
        const method = request.startLine.split(" ")[0];
        if (method === "HEAD" || status === 204 || status === 304) {
          return { head, body: new Uint8Array(0), untilClose: false };
        }
        const { raw: replyBody, untilClose } = await readBody(reader, head, true);
        return { head, body: replyBody, untilClose };
      }
    } finally {
      this.#release(upstream);
    }
  }
}

function closeQuietly(resource: { close(): void }): void {
  try {
    resource.close();
  } catch {
    // Already closed.
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Listen on the address a closed listener had (retrying briefly while the port is busy). */
async function listenAgain(addr: Deno.NetAddr): Promise<Deno.TcpListener> {
  for (let tries = 1;; tries++) {
    try {
      return Deno.listen({ hostname: addr.hostname, port: addr.port });
    } catch (error) {
      if (!(error instanceof Deno.errors.AddrInUse) || tries >= 100) throw error;
      await sleep(10);
    }
  }
}

/**
 * Start a fault proxy in front of `upstream`.
 *
 * @param upstream The gateway endpoint on loopback.
 * @param options Seed, fault rate, kinds and delay.
 * @returns The running proxy (call `close()` when done).
 */
export function startFaultProxy(upstream: string, options: FaultProxyOptions = {}): FaultProxy {
  return new FaultProxy(upstream, options);
}
