/** One part of a hand-built multipart body; `filename` makes it a file. */
export interface Part {
  /** Undefined: a Content-Disposition without a name. */
  name: string | undefined;
  filename?: string | undefined;
  contentType?: string | undefined;
  value: Buffer;
}

/** RFC 7578 quoted-string: only `"` and `\` need a backslash. */
function quoted(text: string): string {
  return `"${text.replace(/["\\]/g, (char) => `\\${char}`)}"`;
}

/**
 * Builds a `multipart/form-data` body the way a browser would, names and filenames as raw
 * UTF-8 (RFC 7578 §5.1), with optional preamble and epilogue.
 */
export function multipartBody(parts: readonly Part[], boundary: string, { preamble = "", epilogue = "" } = {}): Buffer {
  const chunks: Buffer[] = [Buffer.from(preamble ? `${preamble}\r\n` : "", "utf8")];
  for (const part of parts) {
    let disposition = "form-data";
    if (part.name !== undefined) disposition += `; name=${quoted(part.name)}`;
    if (part.filename !== undefined) disposition += `; filename=${quoted(part.filename)}`;
    let head = `--${boundary}\r\nContent-Disposition: ${disposition}\r\n`;
    if (part.contentType !== undefined) head += `Content-Type: ${part.contentType}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`, "utf8"), part.value, Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n${epilogue}`, "utf8"));
  return Buffer.concat(chunks);
}

/** The Content-Type header for a boundary, quoted when RFC 2046 says it must be. */
export function multipartType(boundary: string, charset?: string): string {
  const spelled = /^[0-9A-Za-z'+_\-.]+$/.test(boundary) ? boundary : `"${boundary}"`;
  return `multipart/form-data; boundary=${spelled}${charset === undefined ? "" : `; charset=${charset}`}`;
}
