/**
 * Minimal, strict readers for the two XML documents the S3 store needs: a
 * ListObjectsV2 result page and an error body.
 *
 * S3 responses are flat, machine-written XML without CDATA or comments in the
 * elements we read, so a tag scanner plus entity decoding is enough; anything
 * that does not look like the expected document is a `SyntaxError`, never a
 * silently empty result.
 *
 * @module
 */

/** One `<Contents>` element of a ListObjectsV2 page. */
export interface ListedObject {
  /** The object key, entity-decoded. */
  key: string;
  /** `<Size>` in bytes, if the element has one. */
  size: number | undefined;
  /** `<ETag>` without its quotes, if the element has one. */
  etag: string | undefined;
}

/** One page of a ListObjectsV2 result. */
export interface ListPage {
  /** The object keys on this page, entity-decoded, in the order given. */
  keys: string[];
  /** The same objects with their size and ETag. */
  objects: ListedObject[];
  /** Whether more pages follow. */
  isTruncated: boolean;
  /** The token for the next page, if any. */
  nextContinuationToken: string | undefined;
}

/** The fields of an S3 error body we report. */
export interface S3ErrorBody {
  /** The error code, e.g. `"SlowDown"`, `"NoSuchBucket"`. */
  code: string | undefined;
  /** The human-readable message, if the server sent one. */
  message: string | undefined;
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
};

/**
 * Decode the five predefined XML entities and numeric character references.
 *
 * @param text Escaped XML character data.
 * @returns The decoded text.
 * @throws {SyntaxError} On an unknown entity or an invalid code point.
 *
 * @example Decode a key that S3 escaped
 * ```ts
 * import { unescapeXml } from "./_s3_xml.ts";
 * import assert from "node:assert/strict";
 * assert.equal(unescapeXml("a&amp;b &lt;&#233;&#x1F600;&gt;"), "a&b <é😀>");
 * ```
 */
export function unescapeXml(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(/&([^;&\s]*);?/g, (whole: string, name: string): string => {
    if (!whole.endsWith(";")) throw new SyntaxError(`Invalid XML entity: "${whole}"`);
    if (name.startsWith("#")) {
      const hex = name[1] === "x" || name[1] === "X";
      const digits = name.slice(hex ? 2 : 1);
      const valid = hex ? /^[0-9a-fA-F]+$/.test(digits) : /^[0-9]+$/.test(digits);
      const code = valid ? parseInt(digits, hex ? 16 : 10) : NaN;
      if (!(code >= 0 && code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff)) {
        throw new SyntaxError(`Invalid XML character reference: "${whole}"`);
      }
      return String.fromCodePoint(code);
    }
    const value = NAMED_ENTITIES[name];
    if (value === undefined) throw new SyntaxError(`Unknown XML entity: "${whole}"`);
    return value;
  });
}

/** The text of every `<tag>…</tag>` element (also `<tag/>`) directly inside `xml`. */
function elements(xml: string, tag: string): string[] {
  const out: string[] = [];
  const pattern = new RegExp(`<${tag}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</${tag}\\s*>)`, "g");
  for (const match of xml.matchAll(pattern)) out.push(match[1] ?? "");
  return out;
}

function single(xml: string, tag: string): string | undefined {
  const all = elements(xml, tag);
  if (all.length > 1) throw new SyntaxError(`Unexpected XML: more than one <${tag}> element`);
  return all.length === 1 ? unescapeXml(all[0]) : undefined;
}

/**
 * Parse one page of a ListObjectsV2 response.
 *
 * Only `<Key>` elements inside `<Contents>` count (a `<Prefix>` or
 * `<StartAfter>` element also exists at top level and is ignored).
 *
 * @param xml The response body.
 * @returns The keys (with sizes and ETags), whether the listing is
 *   truncated, and the next token.
 * @throws {SyntaxError} If the body is not a ListBucketResult.
 *
 * @example Parse a page with an escaped key
 * ```ts
 * import { parseListPage } from "./_s3_xml.ts";
 * import assert from "node:assert/strict";
 * const page = parseListPage(
 *   `<?xml version="1.0"?><ListBucketResult><Prefix>a</Prefix>` +
 *     `<IsTruncated>true</IsTruncated><NextContinuationToken>t1</NextContinuationToken>` +
 *     `<Contents><Key>a&amp;b</Key><Size>3</Size></Contents></ListBucketResult>`,
 * );
 * assert.deepEqual(page.keys, ["a&b"]);
 * assert.deepEqual(page.objects, [{ key: "a&b", size: 3, etag: undefined }]);
 * assert.equal(page.isTruncated, true);
 * assert.equal(page.nextContinuationToken, "t1");
 * ```
 */
export function parseListPage(xml: string): ListPage {
  if (!/<ListBucketResult[\s>]/.test(xml) || !/<\/ListBucketResult\s*>/.test(xml)) {
    throw new SyntaxError(`Unexpected list response: ${JSON.stringify(xml.slice(0, 200))}`);
  }
  const objects: ListedObject[] = [];
  for (const contents of elements(xml, "Contents")) {
    const key = single(contents, "Key");
    if (key === undefined) {
      throw new SyntaxError("Unexpected list response: <Contents> without <Key>");
    }
    const sizeText = single(contents, "Size");
    if (sizeText !== undefined && !/^\d+$/.test(sizeText.trim())) {
      throw new SyntaxError(`Unexpected list response: <Size> of "${key}" is "${sizeText}"`);
    }
    const etag = single(contents, "ETag")?.trim().replace(/^"|"$/g, "");
    objects.push({ key, size: sizeText === undefined ? undefined : Number(sizeText), etag });
  }
  // <Contents> elements are gone from this copy, so top-level fields cannot be confused with them.
  const top = xml.replace(/<Contents[\s>][\s\S]*?<\/Contents\s*>/g, "");
  const truncated = single(top, "IsTruncated");
  if (truncated !== undefined && truncated !== "true" && truncated !== "false") {
    throw new SyntaxError(`Unexpected list response: <IsTruncated> is "${truncated}"`);
  }
  const token = single(top, "NextContinuationToken");
  return {
    keys: objects.map((o) => o.key),
    objects,
    isTruncated: truncated === "true",
    nextContinuationToken: token === undefined || token === "" ? undefined : token,
  };
}

/**
 * Read the code and message of an S3 error body; lenient (bodies of proxies
 * and load balancers are often not XML).
 *
 * @param body The response body, possibly empty or not XML.
 * @returns The code and message, each `undefined` if absent.
 *
 * @example Parse a throttling error
 * ```ts
 * import { parseErrorBody } from "./_s3_xml.ts";
 * import assert from "node:assert/strict";
 * const xml = "<Error><Code>SlowDown</Code><Message>Reduce your rate</Message></Error>";
 * assert.deepEqual(parseErrorBody(xml), { code: "SlowDown", message: "Reduce your rate" });
 * assert.deepEqual(parseErrorBody("busy"), { code: undefined, message: undefined });
 * ```
 */
export function parseErrorBody(body: string): S3ErrorBody {
  try {
    const error = elements(body, "Error")[0];
    if (error === undefined) return { code: undefined, message: undefined };
    return {
      code: single(error, "Code") || undefined,
      message: single(error, "Message") || undefined,
    };
  } catch {
    return { code: undefined, message: undefined };
  }
}
