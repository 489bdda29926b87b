// Request bodies of exact sizes, shaped like real deliveries, so every server in a
// comparison parses the same bytes. Built once in the load generator, never per request
// (except the delivery id, written in place: see withFreshIds).

/** 36 characters, the length of the UUID Misskey sends as `eventId`. */
export const ID_SLOT = "00000000-0000-4000-8000-000000000000";

/** A Misskey drive file as the API returns it inside `note.files`: what fills a big note. */
function driveFile(index) {
  const id = `9abc${String(index).padStart(8, "0")}`;
  return {
    id,
    createdAt: "2026-11-23T05:00:00.000Z",
    name: `photo-${index}.webp`,
    type: "image/webp",
    md5: "0123456789abcdef0123456789abcdef",
    size: 48_213,
    isSensitive: false,
    blurhash: "eQG*pmx]00ofRj~qofR*ayt7",
    properties: { width: 1280, height: 960 },
    url: `https://misskey.example/files/${id}.webp`,
    thumbnailUrl: `https://misskey.example/files/thumbnail-${id}.webp`,
    comment: null,
    folderId: null,
    folder: null,
    userId: null,
    user: null,
  };
}

const jsonLength = (value) => Buffer.byteLength(JSON.stringify(value));

/** Misskey's default `maxNoteAttachments`. */
const MAX_FILES = 16;

/**
 * A Misskey `note` delivery of exactly `size` bytes. A real big note is big because of
 * what Misskey embeds: attached drive files (at most 16), the renoted and replied-to
 * notes with their own files, reactions and the custom emojis they use. The body grows
 * in that order, each part only while it fits, then the text is padded to the last
 * byte. `eventId` is {@link ID_SLOT}, to be overwritten per request.
 */
export function misskeyNoteJson(misskeyPayload, size) {
  const payload = misskeyPayload("note");
  payload.eventId = ID_SLOT;
  const note = payload.body.note;
  const fits = (extra = 0) => jsonLength(payload) + extra + 16 <= size;
  const attach = (target, from) => {
    target.files = [];
    target.fileIds = [];
    for (let index = from; index < from + MAX_FILES; index++) {
      const file = driveFile(index);
      target.files.push(file);
      target.fileIds.push(file.id);
      if (!fits()) {
        target.files.pop();
        target.fileIds.pop();
        return;
      }
    }
  };
  attach(note, 0);
  for (const [key, idKey, offset] of [
    ["renote", "renoteId", 100],
    ["reply", "replyId", 200],
  ]) {
    const embedded = { ...structuredClone(note), id: `9abc0000${key}`, text: `the ${key}d note`, files: [], fileIds: [] };
    if (!fits(jsonLength(embedded) + 20)) break;
    note[key] = embedded;
    note[idKey] = embedded.id;
    attach(embedded, offset);
  }
  note.reactions = {};
  note.reactionEmojis = {};
  for (let index = 0; index < 200; index++) {
    const name = `blobcat_${index}`;
    note.reactions[`:${name}@.:`] = index + 1;
    note.reactionEmojis[`${name}@.`] = `https://misskey.example/emoji/${name}.webp`;
    if (!fits()) {
      delete note.reactions[`:${name}@.:`];
      delete note.reactionEmojis[`${name}@.`];
      break;
    }
  }
  const length = jsonLength(payload);
  if (length > size) throw new Error(`A Misskey note is ${length} bytes, more than the ${size} asked for.`);
  note.text += " " + "lorem ipsum ".repeat(Math.ceil(size / 12)).slice(0, size - length - 1);
  const body = Buffer.from(JSON.stringify(payload));
  if (body.length !== size) throw new Error(`Built ${body.length} bytes instead of ${size}.`);
  return { body, payload };
}

/**
 * Wraps a request so that every one carries a new delivery id: the receivers dedupe,
 * and a body sent twice would measure the duplicate path, not a delivery. The id is
 * written into the template in place (same length), and autocannon copies the bytes
 * into the request it sends, so this costs the load generator one small write.
 */
export function withFreshIds(request, slot = ID_SLOT) {
  const body = Buffer.from(request.body);
  const offset = body.indexOf(slot);
  if (offset === -1) throw new Error("The body has no id slot.");
  const prefix = (process.pid.toString(16) + Math.random().toString(16).slice(2)).slice(0, 8).padEnd(8, "0");
  let counter = 0;
  return {
    ...request,
    body,
    setupRequest(req) {
      counter += 1;
      body.write(`${prefix}-0000-4000-8000-${counter.toString(16).padStart(12, "0")}`, offset, "latin1");
      req.body = body;
      return req;
    },
  };
}

/**
 * Encodes `multipart/form-data` with text fields and file parts, with a fixed-length
 * boundary so that padding a field changes the size by exactly the padding.
 */
export function encodeMultipartBody(fields, files = [], boundary = "----ewrbench0123456789abcdef") {
  const chunks = [];
  for (const [name, value] of fields) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name.replace(/"/g, "%22")}"\r\n\r\n${value}\r\n`));
  }
  for (const file of files) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\nContent-Type: ${file.type}\r\n\r\n`,
      ),
      file.data,
      Buffer.from("\r\n"),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Bytes that never contain a CR or a dash, so no run of them can look like a boundary. */
export function fileBytes(size) {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = 0x41 + (i % 26);
  return data;
}

/** A form of five text fields totalling `size` bytes, as multipart (what hand-written busboy code reads). */
export function fiveFieldMultipart(size) {
  const names = ["name", "email", "subject", "message", "token"];
  const build = (padding) => encodeMultipartBody(names.map((name, index) => [name, index === 3 ? "x".repeat(padding) : `${name}-value`]));
  const bare = build(0).body.length;
  if (bare > size) throw new Error(`Five fields need ${bare} bytes, more than ${size}.`);
  const encoded = build(size - bare);
  if (encoded.body.length !== size) throw new Error(`Built ${encoded.body.length} bytes instead of ${size}.`);
  return encoded;
}

/** Optional Message fields left out so that even the multipart encoding fits in 1 KB. */
const TRIMMED = { status: undefined, posted_at: undefined, drive_id: undefined, stamp_id: undefined, deleted_at: undefined };

/**
 * An OK SKY delivery (headers and body) of exactly `size` bytes in the given content
 * type and layout: the sample `Message.create` without its optional fields (a nested
 * multipart form of the full sample is 1.5 KB), its `content` padded to the size. Every
 * content type carries the same message.
 */
export function okskySizedDelivery(okskyDelivery, { size, secret, contentType, layout }) {
  const build = (content) =>
    okskyDelivery("Message.create", { secret, contentType, layout, overrides: { object: { ...TRIMMED, content } } });
  const base = "テストメッセージその１";
  const bare = Buffer.byteLength(build(base).body);
  if (bare > size) throw new Error(`An OK SKY ${contentType} delivery is ${bare} bytes, more than ${size}.`);
  const delivery = build(base + "x".repeat(size - bare));
  const body = Buffer.from(delivery.body);
  if (body.length !== size) throw new Error(`Built ${body.length} bytes instead of ${size} (${contentType}).`);
  return { headers: delivery.headers, body };
}

/** An OK SKY multipart delivery (Rails-style fields) with one file part of `fileSize` bytes. */
export function okskyMultipartWithFile({ okskyDelivery, toFormFields }, { secret, fileSize }) {
  const delivery = okskyDelivery("Message.create", { secret, contentType: "multipart/form-data" });
  const encoded = encodeMultipartBody(toFormFields(delivery.payload), [
    { name: "file", filename: "photo.jpg", type: "image/jpeg", data: fileBytes(fileSize) },
  ]);
  return { headers: { ...delivery.headers, "content-type": encoded.contentType }, body: encoded.body };
}
