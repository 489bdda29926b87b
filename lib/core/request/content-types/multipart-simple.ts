import type { MultipartLimits, UploadedFile } from "./uploaded-file.js";

/**
 * The Content-Type this path reads: the media type, then only a boundary of RFC 2046's
 * characters, quoted, or plain where they are token characters too. Anything else (a
 * charset, odd quoting) goes to busboy.
 */
const CONTENT_TYPE = /^multipart\/form-data; ?boundary=(?:([0-9A-Za-z'+_\-.]{1,70})|"([0-9A-Za-z'()+_,\-./:=?]{1,70})")$/i;

/** A part's disposition as browsers, curl and Rails write it: lower-case, a name, maybe a filename. */
const DISPOSITION = /^form-data; ?name="([\x20\x21\x23-\x5b\x5d-\x7e]+)"(?:; ?filename="([\x20\x21\x23-\x2e\x30-\x5b\x5d-\x7e]+)")?$/;

/** A part's media type without parameters (a charset would change how the value is decoded). */
const PART_TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/;

const CRLF = Buffer.from("\r\n");
const HEADER_END = Buffer.from("\r\n\r\n");
/** Part headers longer than this go to busboy (which refuses over 16 KiB). */
const MAX_HEAD = 8 * 1024;

interface PartHead {
  name: string;
  filename: string | undefined;
  type: string;
}

/**
 * Reads a UTF-8 multipart body in one pass over the buffer, where busboy would build a
 * stream, a header parser and a Boyer-Moore table per request (BENCHMARKS.md: most of what
 * a small OK SKY form cost). Only the plain shape every real sender writes is read here, and it
 * is read exactly as busboy reads it (a differential fuzz test holds the two together);
 * for anything else (a preamble, other part headers, a quoted-pair or a path in a
 * filename, a part over a limit, a broken body) it returns undefined and busboy decides.
 */
export function parseSimpleMultipart(body: Buffer, contentType: string, limits: MultipartLimits): [string, unknown][] | undefined {
  const match = CONTENT_TYPE.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (boundary === undefined) return undefined;
  const opening = Buffer.from(`--${boundary}\r\n`, "latin1");
  if (!body.subarray(0, opening.length).equals(opening)) return undefined;
  const delimiter = Buffer.from(`\r\n--${boundary}`, "latin1");

  const entries: [string, unknown][] = [];
  let fields = 0;
  let files = 0;
  let at = opening.length;
  for (;;) {
    const headEnd = body.indexOf(HEADER_END, at);
    if (headEnd === -1 || headEnd - at > MAX_HEAD) return undefined;
    const head = readHead(body.toString("latin1", at, headEnd));
    if (head === undefined) return undefined;
    const dataStart = headEnd + HEADER_END.length;
    // busboy finds delimiters before it reads headers: one that starts inside the head
    // (even in its closing CRLF) ends the part there, which only busboy can tell about.
    const dataEnd = body.indexOf(delimiter, at);
    if (dataEnd < dataStart) return undefined;

    if (head.filename !== undefined || head.type === "application/octet-stream") {
      if (++files > limits.maxFiles || dataEnd - dataStart > limits.maxFileSize) return undefined;
      const file: UploadedFile = {
        filename: head.filename ?? "",
        mimeType: head.type,
        encoding: "7bit",
        // A copy: the file must not keep the whole body alive.
        data: Buffer.from(body.subarray(dataStart, dataEnd)),
      };
      entries.push([head.name, file]);
    } else {
      if (++fields > limits.maxFields || dataEnd - dataStart > limits.maxFieldSize) return undefined;
      // As busboy decodes UTF-8: bytes that are not UTF-8 become U+FFFD.
      entries.push([head.name, body.toString("utf8", dataStart, dataEnd)]);
    }

    at = dataEnd + delimiter.length;
    const next = body.toString("latin1", at, at + 2);
    // The end, unless the epilogue holds another delimiter: busboy reads parts after one.
    if (next === "--") return body.indexOf(delimiter, at) === -1 ? entries : undefined;
    if (next !== "\r\n") return undefined;
    at += CRLF.length;
  }
}

/** The part's name, filename and type, if its headers are exactly the plain shape; else undefined. */
function readHead(text: string): PartHead | undefined {
  let disposition: RegExpExecArray | null | undefined;
  let type: string | undefined;
  for (const line of text.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon === -1) return undefined;
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).replace(/^[ \t]+/, "");
    if (name === "content-disposition" && disposition === undefined) {
      disposition = DISPOSITION.exec(value);
      if (disposition === null) return undefined;
    } else if (name === "content-type" && type === undefined && PART_TYPE.test(value)) {
      type = value;
    } else {
      return undefined;
    }
  }
  const [, partName, filename] = disposition ?? [];
  // busboy reduces "." and ".." to "" (its basename): not the plain shape.
  if (partName === undefined || filename === "." || filename === "..") return undefined;
  return { name: partName, filename, type: type ?? "text/plain" };
}
