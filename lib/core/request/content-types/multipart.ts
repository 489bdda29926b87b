import busboy from "busboy";
import { isWebhookError, WebhookError } from "../../errors.js";
import type { HeaderMap } from "../../types.js";
import { getHeader } from "../headers.js";
import { charsetName, decodeText } from "./decode-text.js";
import { parseSimpleMultipart } from "./multipart-simple.js";
import { expandNestedKeys } from "./nested-keys.js";
import type { StructureLimits } from "./structure-limits.js";
import type { MultipartLimits, UploadedFile } from "./uploaded-file.js";

export type { MultipartLimits, UploadedFile } from "./uploaded-file.js";

export function isUploadedFile(value: unknown): value is UploadedFile {
  return typeof value === "object" && value !== null && Buffer.isBuffer((value as UploadedFile).data) && "filename" in value;
}

/** Charsets busboy decodes correctly itself; for any other it hands back `undefined` (its TextDecoder fallback is broken). */
const BUSBOY_CHARSETS: ReadonlySet<string> = new Set(["utf-8", "utf-16le"]);

interface TextDecoding {
  /** What busboy is told: the charset itself, or latin1 (one char per byte) to decode here. */
  busboyCharset: string;
  decode(text: string): string;
}

function decodingIn(encoding: string): TextDecoding {
  if (BUSBOY_CHARSETS.has(encoding)) return { busboyCharset: encoding, decode: (text) => text };
  // As busboy does for the charsets it decodes, a leading U+FEFF stays part of the value.
  return { busboyCharset: "latin1", decode: (text) => decodeText(Buffer.from(text, "latin1"), encoding, { keepBOM: true }) };
}

/**
 * How values, and names and filenames, are decoded in `charset` (WHATWG labels, as for
 * JSON and forms; 415 for an unknown one). Non-ASCII names are raw bytes in the form's
 * charset (RFC 7578 §5.1), not busboy's default latin1; part headers are ASCII-framed,
 * so a UTF-16 body still spells its names in UTF-8.
 */
function partDecoding(charset: string): { values: TextDecoding; names: TextDecoding } {
  const encoding = charsetName(charset);
  return { values: decodingIn(encoding), names: decodingIn(encoding.startsWith("utf-16") ? "utf-8" : encoding) };
}

/** Parses the parts of a multipart body into entries, in order, files as {@link UploadedFile}. */
export function parseMultipartEntries(
  body: Buffer,
  headers: HeaderMap,
  limits: MultipartLimits,
  charset = "utf-8",
): Promise<[string, unknown][]> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    let decoding: ReturnType<typeof partDecoding>;
    try {
      decoding = partDecoding(charset);
      parser = busboy({
        headers: { "content-type": getHeader(headers, "content-type") ?? "" },
        defCharset: decoding.values.busboyCharset,
        defParamCharset: decoding.names.busboyCharset,
        limits: {
          // busboy flags a part on reaching its size limit: +1 lets exactly the maximum through.
          fileSize: limits.maxFileSize + 1,
          files: limits.maxFiles,
          fields: limits.maxFields,
          fieldSize: limits.maxFieldSize + 1,
          // 'partsLimit' fires on reaching the count, not on passing it: +1 here too.
          parts: limits.maxFiles + limits.maxFields + 1,
        },
      });
    } catch (cause) {
      // An unknown charset (415), or busboy throwing synchronously for a missing or malformed boundary.
      reject(isWebhookError(cause) ? cause : new WebhookError("malformed_body", "The multipart body has no valid boundary.", { cause }));
      return;
    }

    const entries: [string, unknown][] = [];
    let settled = false;
    const fail = (error: WebhookError): void => {
      if (settled) return;
      settled = true;
      parser.removeAllListeners();
      parser.on("error", () => {});
      reject(error);
    };
    const tooLarge = (what: string): void => {
      fail(new WebhookError("body_too_large", `The multipart body has ${what}.`));
    };
    /** Decodes a name or value; bytes invalid in the charset fail the body (400). */
    const text = (raw: string, as: TextDecoding): string | undefined => {
      try {
        return as.decode(raw);
      } catch (error) {
        fail(isWebhookError(error) ? error : new WebhookError("malformed_body", "The multipart body is malformed.", { cause: error }));
        return undefined;
      }
    };

    // busboy gives no name for a part without one (or with name=""): its data is kept under "".
    parser.on("field", (rawName: string | undefined, rawValue: string | undefined, info) => {
      if (info.valueTruncated) {
        tooLarge(`a field over ${limits.maxFieldSize} bytes`);
        return;
      }
      // A part naming a charset busboy cannot decode comes back without a value.
      if (typeof rawValue !== "string") {
        fail(new WebhookError("unsupported_charset", "A multipart field has a charset that is not supported."));
        return;
      }
      const name = text(rawName ?? "", decoding.names);
      const value = name === undefined ? undefined : text(rawValue, decoding.values);
      if (name !== undefined && value !== undefined) entries.push([name, value]);
    });
    parser.on("file", (rawName: string | undefined, stream, info) => {
      const chunks: Buffer[] = [];
      // Its place is taken now: later fields may be parsed before the file's data ends.
      const entry: [string, unknown] = [text(rawName ?? "", decoding.names) ?? "", undefined];
      entries.push(entry);
      const filename = text(info.filename ?? "", decoding.names) ?? "";
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      // A body cut short inside a file fails the file's stream too: unheard, that error would crash the process.
      stream.on("error", (cause) => {
        fail(new WebhookError("malformed_body", "The multipart body is malformed.", { cause }));
      });
      stream.on("limit", () => {
        tooLarge(`a file over ${limits.maxFileSize} bytes`);
      });
      stream.on("end", () => {
        entry[1] = { filename, mimeType: info.mimeType, encoding: info.encoding, data: Buffer.concat(chunks) };
      });
    });
    parser.on("partsLimit", () => {
      tooLarge("too many parts");
    });
    parser.on("filesLimit", () => {
      tooLarge(`more than ${limits.maxFiles} files`);
    });
    parser.on("fieldsLimit", () => {
      tooLarge(`more than ${limits.maxFields} fields`);
    });
    parser.on("error", (cause) => {
      fail(new WebhookError("malformed_body", "The multipart body is malformed.", { cause }));
    });
    parser.on("close", () => {
      if (settled) return;
      settled = true;
      resolve(entries);
    });
    parser.end(body);
  });
}

/**
 * Parses a `multipart/form-data` body into a nested object (`a[b]` keys expand): in one
 * pass for the plain UTF-8 shape every real sender writes, through busboy otherwise.
 */
export async function parseMultipart(
  body: Buffer,
  headers: HeaderMap,
  limits: MultipartLimits,
  charset?: string,
  structure?: StructureLimits,
): Promise<Record<string, unknown>> {
  const simple =
    charset === undefined || charsetName(charset) === "utf-8"
      ? parseSimpleMultipart(body, getHeader(headers, "content-type") ?? "", limits)
      : undefined;
  return expandNestedKeys(simple ?? (await parseMultipartEntries(body, headers, limits, charset)), structure);
}
