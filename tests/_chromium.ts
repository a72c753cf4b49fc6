/**
 * Test helper: drive headless Chromium over the DevTools protocol (CDP) with
 * Deno's WebSocket. Starts `chromium --headless --remote-debugging-port=0`,
 * reads the browser endpoint from its stderr, opens pages through flattened
 * target sessions, and records console errors, exceptions and requests.
 *
 * @module
 */

/** Where Debian's `chromium` package puts the browser. */
export const DEFAULT_CHROMIUM = "/usr/bin/chromium";

/**
 * The Chromium binary to use: `$CHROMIUM` if set, else {@link DEFAULT_CHROMIUM}
 * if it exists.
 *
 * @returns The path, or `undefined` when there is none.
 */
export function findChromium(): string | undefined {
  let fromEnv: string | undefined;
  try {
    fromEnv = Deno.env.get("CHROMIUM");
  } catch {
    fromEnv = undefined;
  }
  for (const path of [fromEnv, DEFAULT_CHROMIUM]) {
    if (path === undefined || path === "") continue;
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // not there
    }
  }
  return undefined;
}

/** Something the page reported: a console message, an exception or a log entry. */
export interface PageProblem {
  /** `console.<type>`, `exception` or `log.<source>`. */
  kind: string;
  /** The text. */
  text: string;
}

type Pending = { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void };
type Listener = (params: Record<string, unknown>, sessionId?: string) => void;

/** A CDP connection to the browser endpoint. */
class CdpConnection {
  #ws: WebSocket;
  #nextId = 1;
  #pending = new Map<number, Pending>();
  #listeners = new Map<string, Listener[]>();

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.onmessage = (event) => this.#onMessage(String(event.data));
    ws.onclose = () => {
      for (const p of this.#pending.values()) p.reject(new Error("CDP connection closed"));
      this.#pending.clear();
    };
  }

  static open(url: string): Promise<CdpConnection> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.onopen = () => resolve(new CdpConnection(ws));
      ws.onerror = (e) =>
        reject(new Error(`Cannot connect to ${url}: ${(e as ErrorEvent).message}`));
    });
  }

  #onMessage(text: string): void {
    const msg = JSON.parse(text) as {
      id?: number;
      result?: Record<string, unknown>;
      error?: { message: string; code: number };
      method?: string;
      params?: Record<string, unknown>;
      sessionId?: string;
    };
    if (msg.id !== undefined) {
      const p = this.#pending.get(msg.id);
      if (p === undefined) return;
      this.#pending.delete(msg.id);
      if (msg.error !== undefined) {
        p.reject(new Error(`CDP error ${msg.error.code}: ${msg.error.message}`));
      } else p.resolve(msg.result ?? {});
      return;
    }
    if (msg.method !== undefined) {
      for (const fn of this.#listeners.get(msg.method) ?? []) fn(msg.params ?? {}, msg.sessionId);
    }
  }

  send(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    const message: Record<string, unknown> = { id, method, params };
    if (sessionId !== undefined) message.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#ws.send(JSON.stringify(message));
    });
  }

  on(method: string, fn: Listener): void {
    const list = this.#listeners.get(method) ?? [];
    list.push(fn);
    this.#listeners.set(method, list);
  }

  close(): Promise<void> {
    if (this.#ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.#ws.onclose = () => resolve();
      this.#ws.close();
    });
  }
}

/** One page (tab), attached through a flattened session. */
export class CdpPage {
  #cdp: CdpConnection;
  #sessionId: string;
  #loaded: (() => void)[] = [];
  /** Console errors/warnings, exceptions and error log entries seen so far. */
  readonly problems: PageProblem[] = [];
  /** URLs of every request the page made. */
  readonly requests: string[] = [];

  /** @internal */
  constructor(cdp: CdpConnection, sessionId: string) {
    this.#cdp = cdp;
    this.#sessionId = sessionId;
    const mine = (fn: Listener): Listener => (params, sid) => {
      if (sid === sessionId) fn(params);
    };
    cdp.on(
      "Runtime.consoleAPICalled",
      mine((p) => {
        const type = String(p.type);
        if (type !== "error" && type !== "warning" && type !== "assert") return;
        const args = (p.args as { value?: unknown; description?: string }[] | undefined) ?? [];
        this.problems.push({
          kind: `console.${type}`,
          text: args.map((a) => a.description ?? String(a.value)).join(" "),
        });
      }),
    );
    cdp.on(
      "Runtime.exceptionThrown",
      mine((p) => {
        const d = p.exceptionDetails as { text?: string; exception?: { description?: string } };
        this.problems.push({ kind: "exception", text: d.exception?.description ?? d.text ?? "" });
      }),
    );
    cdp.on(
      "Log.entryAdded",
      mine((p) => {
        const e = p.entry as { level: string; source: string; text: string; url?: string };
        if (e.level === "error" || e.level === "warning") {
          this.problems.push({ kind: `log.${e.source}`, text: `${e.text} ${e.url ?? ""}`.trim() });
        }
      }),
    );
    cdp.on(
      "Network.requestWillBeSent",
      mine((p) => this.requests.push(String((p.request as { url: string }).url))),
    );
    cdp.on(
      "Page.loadEventFired",
      mine(() => {
        for (const fn of this.#loaded.splice(0)) fn();
      }),
    );
  }

  /**
   * Send a CDP command to this page.
   *
   * @param method E.g. `"Page.navigate"`.
   * @param params Its parameters.
   * @returns The result.
   */
  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return this.#cdp.send(method, params, this.#sessionId);
  }

  /** Enable the domains whose events are recorded. */
  async enable(): Promise<void> {
    await this.send("Runtime.enable");
    await this.send("Log.enable");
    await this.send("Network.enable");
    await this.send("Page.enable");
  }

  /**
   * Navigate and wait for the load event.
   *
   * @param url The URL (e.g. `file:///...`).
   * @param timeoutMs Give up after this long.
   */
  async navigate(url: string, timeoutMs = 30_000): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const loaded = new Promise<void>((resolve, reject) => {
      this.#loaded.push(resolve);
      timer = setTimeout(() => reject(new Error(`Timed out loading ${url}`)), timeoutMs);
    });
    try {
      const result = await this.send("Page.navigate", { url });
      if (typeof result.errorText === "string") {
        throw new Error(`Cannot load ${url}: ${result.errorText}`);
      }
      await loaded;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Evaluate an expression in the page and return its value (JSON-serializable).
   *
   * @param expression JavaScript source.
   * @returns The value.
   */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send("Runtime.evaluate", {
      expression,
      returnByValue: true,
      awaitPromise: true,
    });
    const details = r.exceptionDetails as { text?: string; exception?: { description?: string } };
    if (details !== undefined) {
      throw new Error(`Evaluation failed: ${details.exception?.description ?? details.text}`);
    }
    return (r.result as { value: T }).value;
  }

  /**
   * Capture a PNG screenshot.
   *
   * @param clip Region in CSS pixels (default: the viewport).
   * @returns The PNG bytes.
   */
  async screenshot(
    clip?: { x: number; y: number; width: number; height: number },
  ): Promise<Uint8Array> {
    const params: Record<string, unknown> = { format: "png" };
    if (clip !== undefined) {
      params.clip = { ...clip, scale: 1 };
      params.captureBeyondViewport = true;
    }
    const r = await this.send("Page.captureScreenshot", params);
    return Uint8Array.from(atob(String(r.data)), (c) => c.charCodeAt(0));
  }
}

/** A headless Chromium process and its CDP connection. */
export class HeadlessChromium {
  #child: Deno.ChildProcess;
  #cdp: CdpConnection;
  #profile: string;
  #closed = false;

  private constructor(child: Deno.ChildProcess, cdp: CdpConnection, profile: string) {
    this.#child = child;
    this.#cdp = cdp;
    this.#profile = profile;
  }

  /**
   * Start Chromium with a fresh profile and no network features, and connect.
   *
   * @param binary Path of the browser (default: {@link findChromium}).
   * @param timeoutMs How long to wait for the DevTools endpoint.
   * @returns The running browser.
   */
  static async launch(binary = findChromium(), timeoutMs = 30_000): Promise<HeadlessChromium> {
    if (binary === undefined) {
      throw new Error("Chromium not found: apt-get install chromium (or set CHROMIUM)");
    }
    const profile = await Deno.makeTempDir({ prefix: "ume_chromium_" });
    const child = new Deno.Command(binary, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        `--user-data-dir=${profile}`,
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        "about:blank",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let endpoint: string;
    try {
      endpoint = await readEndpoint(child.stderr, timeoutMs);
    } catch (e) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
      await child.status;
      await Deno.remove(profile, { recursive: true }).catch(() => {});
      throw e;
    }
    const cdp = await CdpConnection.open(endpoint);
    return new HeadlessChromium(child, cdp, profile);
  }

  /**
   * Open a new page with the event domains enabled.
   *
   * @param size Viewport size in CSS pixels.
   * @returns The page.
   */
  async newPage(size = { width: 1280, height: 900 }): Promise<CdpPage> {
    const { targetId } = await this.#cdp.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await this.#cdp.send("Target.attachToTarget", {
      targetId,
      flatten: true,
    });
    const page = new CdpPage(this.#cdp, String(sessionId));
    await page.enable();
    await page.send("Emulation.setDeviceMetricsOverride", {
      width: size.width,
      height: size.height,
      deviceScaleFactor: 1,
      mobile: false,
    });
    return page;
  }

  /** Close the browser, end its process and remove the profile. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await Promise.race([
        this.#cdp.send("Browser.close"),
        new Promise((resolve) => setTimeout(resolve, 3000)),
      ]);
    } catch {
      // the connection may drop as the browser exits
    }
    await this.#cdp.close().catch(() => {});
    const exited = await Promise.race([
      this.#child.status.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5000)),
    ]);
    if (!exited) {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // already gone
      }
      await this.#child.status;
    }
    await Deno.remove(this.#profile, { recursive: true }).catch(() => {});
  }
}

/** Read stderr until "DevTools listening on ws://..."; keep draining it afterwards. */
async function readEndpoint(
  stderr: ReadableStream<Uint8Array>,
  timeoutMs: number,
): Promise<string> {
  const reader = stderr.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new Error(`Chromium did not report a DevTools endpoint: ${buffer.slice(-2000)}`)),
      timeoutMs,
    );
  });
  try {
    while (true) {
      const { value, done } = await Promise.race([reader.read(), timeout]);
      if (done) {
        throw new Error(`Chromium exited before its DevTools endpoint: ${buffer.slice(-2000)}`);
      }
      buffer += value;
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(buffer);
      if (match !== null) {
        (async () => {
          try {
            while (!(await reader.read()).done) {
              // discard
            }
          } catch {
            // stream closed
          }
        })();
        return match[1];
      }
    }
  } finally {
    clearTimeout(timer);
  }
}
