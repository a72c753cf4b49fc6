/**
 * Test fixture: local stand-ins for the AWS services that hand out
 * temporary credentials, on 127.0.0.1 only (never real AWS): one HTTP
 * server that answers as
 * - a container credentials endpoint (`GET /creds`, as ECS, AWS Batch and
 *   EKS Pod Identity serve them; checks the `Authorization` header);
 * - STS `AssumeRoleWithWebIdentity` (`POST /`, the query protocol, XML reply;
 *   checks the token and the role) and `AssumeRole` (a profile's role; checks
 *   that the request was signed with the source profile's key);
 * - the EC2 instance metadata service, IMDSv2 only (`PUT
 *   /latest/api/token`, then the role name and its credentials with the
 *   session token header).
 *
 * Every answer hands out the access key and secret it was given (radosgw's
 * test user: radosgw accepts only its own users' keys) with a new session
 * token `session-<n>` and an expiration `lifetimeMs` ahead; radosgw ignores
 * the session token (measured), so requests signed with these credentials
 * succeed, and the tokens seen tell which credentials signed what.
 *
 * @module
 */

/** A credential the stand-in handed out. */
export interface IssuedCredential {
  /** Which service handed it out. */
  via: "container" | "sts" | "imds";
  /** Its session token, `session-<n>`. */
  sessionToken: string;
  /** When it expires (ms since the epoch). */
  expiration: number;
  /** `performance.now()` when it was handed out. */
  at: number;
}

/** Options of {@link startCredentialStandIn}. */
export interface StandInOptions {
  /** The access key to hand out. */
  accessKeyId: string;
  /** The secret key to hand out. */
  secretAccessKey: string;
  /** How long each credential lives (default one hour). May be changed on the returned object. */
  lifetimeMs?: number;
  /** The `Authorization` value the container endpoint requires (default: none required). */
  authorization?: string;
  /** The web identity token STS requires. */
  webIdentityToken?: string;
  /** The role STS and IMDS answer for (default `arn:aws:iam::123456789012:role/ume-job`). */
  roleArn?: string;
  /** The access key STS `AssumeRole` requests must be signed with. */
  sourceAccessKeyId?: string;
}

/** A running stand-in. */
export interface CredentialStandIn {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** The container credentials URL (`<endpoint>/creds`). */
  containerUrl: string;
  /** Every credential handed out, in order. */
  issued: IssuedCredential[];
  /** Requests refused (a wrong token or header), as `"<what>: <why>"`. */
  refused: string[];
  /** Lifetime of the next credentials handed out. */
  lifetimeMs: number;
  /** Stop the server. */
  close(): Promise<void>;
}

const DEFAULT_ROLE = "arn:aws:iam::123456789012:role/ume-job";
const IMDS_TOKEN = "imds-session-token";

/**
 * Start a stand-in on a free port of 127.0.0.1.
 *
 * @param options The keys to hand out, their lifetime, what to require.
 * @returns The running stand-in.
 */
export function startCredentialStandIn(options: StandInOptions): CredentialStandIn {
  const roleArn = options.roleArn ?? DEFAULT_ROLE;
  const roleName = roleArn.split("/").pop()!;
  const issued: IssuedCredential[] = [];
  const refused: string[] = [];
  const state = { lifetimeMs: options.lifetimeMs ?? 3_600_000 };
  const issue = (via: IssuedCredential["via"]): IssuedCredential => {
    const credential = {
      via,
      sessionToken: `session-${issued.length + 1}`,
      expiration: Date.now() + state.lifetimeMs,
      at: performance.now(),
    };
    issued.push(credential);
    return credential;
  };
  const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
  const refuse = (what: string, why: string, status: number): Response => {
    refused.push(`${what}: ${why}`);
    return new Response(why, { status });
  };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const url = new URL(request.url);
      if (request.method === "GET" && url.pathname === "/creds") {
        const got = request.headers.get("authorization");
        if (options.authorization !== undefined && got !== options.authorization) {
          return refuse("container", `Authorization ${JSON.stringify(got)}`, 401);
        }
        const c = issue("container");
        return Response.json({
          AccessKeyId: options.accessKeyId,
          SecretAccessKey: options.secretAccessKey,
          Token: c.sessionToken,
          Expiration: iso(c.expiration),
          RoleArn: roleArn,
        });
      }
      if (request.method === "POST" && url.pathname === "/") {
        const form = new URLSearchParams(await request.text());
        const action = form.get("Action");
        if (action !== "AssumeRoleWithWebIdentity" && action !== "AssumeRole") {
          return refuse("sts", `Action ${action}`, 400);
        }
        const token = form.get("WebIdentityToken")?.trim();
        if (
          action === "AssumeRoleWithWebIdentity" && options.webIdentityToken !== undefined &&
          token !== options.webIdentityToken
        ) {
          return refuse("sts", `WebIdentityToken ${JSON.stringify(token)}`, 403);
        }
        const signedBy = /Credential=([^/]+)\//.exec(request.headers.get("authorization") ?? "")
          ?.[1];
        if (action === "AssumeRole" && signedBy !== options.sourceAccessKeyId) {
          return refuse("sts", `AssumeRole signed by ${signedBy}`, 403);
        }
        if (form.get("RoleArn") !== roleArn) {
          return refuse("sts", `RoleArn ${form.get("RoleArn")}`, 403);
        }
        const c = issue("sts");
        return new Response(
          `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">` +
            `<${action}Result><Credentials>` +
            `<AccessKeyId>${options.accessKeyId}</AccessKeyId>` +
            `<SecretAccessKey>${options.secretAccessKey}</SecretAccessKey>` +
            `<SessionToken>${c.sessionToken}</SessionToken>` +
            `<Expiration>${iso(c.expiration)}</Expiration></Credentials>` +
            `<AssumedRoleUser><Arn>${roleArn.replace(":iam:", ":sts:")}/s</Arn>` +
            `<AssumedRoleId>AROAUMETEST:s</AssumedRoleId></AssumedRoleUser>` +
            `</${action}Result>` +
            `<ResponseMetadata><RequestId>standin</RequestId></ResponseMetadata>` +
            `</${action}Response>`,
          { headers: { "content-type": "text/xml" } },
        );
      }
      if (url.pathname === "/latest/api/token") {
        if (request.method !== "PUT") return refuse("imds", "token not requested by PUT", 405);
        return new Response(IMDS_TOKEN);
      }
      if (url.pathname.startsWith("/latest/meta-data/iam/security-credentials")) {
        if (request.headers.get("x-aws-ec2-metadata-token") !== IMDS_TOKEN) {
          return refuse("imds", "no IMDSv2 session token", 401);
        }
        const rest = url.pathname.replace(/^\/latest\/meta-data\/iam\/security-credentials\/?/, "");
        if (rest === "") return new Response(roleName);
        if (rest !== roleName) return new Response("not found", { status: 404 });
        const c = issue("imds");
        return Response.json({
          Code: "Success",
          LastUpdated: iso(Date.now()),
          Type: "AWS-HMAC",
          AccessKeyId: options.accessKeyId,
          SecretAccessKey: options.secretAccessKey,
          Token: c.sessionToken,
          Expiration: iso(c.expiration),
        });
      }
      return new Response("not found", { status: 404 });
    },
  );
  const endpoint = `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`;
  return {
    endpoint,
    containerUrl: `${endpoint}/creds`,
    issued,
    refused,
    get lifetimeMs(): number {
      return state.lifetimeMs;
    },
    set lifetimeMs(ms: number) {
      state.lifetimeMs = ms;
    },
    close: () => server.shutdown(),
  };
}
