// Run by __tests__/e2e/body-memory.test.ts (and bench/abuse.mjs) in a child process of its own:
//   node --max-old-space-size=256 -r ./__tests__/helpers/ts-require.cjs __tests__/helpers/body-memory.cjs <case> <copies> [root]
// Builds one of the worst authenticated bodies of at most 1 MiB, sends `copies` of it at
// once through receive() of the Misskey (JSON) or OK SKY (forms) receiver with default
// options, and prints one JSON line: peak RSS (maxRSS) before and after, and the answers.
// `root` (default: this repository) is where lib/ is read from, to measure another commit.
const path = require("node:path");

const root = path.resolve(process.argv[4] ?? path.join(path.dirname(require.resolve("./ts-require.cjs")), "..", ".."));
const { createMisskeyReceiver } = require(path.join(root, "lib/providers/misskey/index.ts"));
const { createOkskyReceiver } = require(path.join(root, "lib/providers/oksky/index.ts"));
const { misskeyDelivery } = require(path.join(root, "lib/testing/samples/misskey.ts"));
const { okskyDelivery } = require(path.join(root, "lib/testing/samples/oksky.ts"));

const SECRET = "memory-secret";
const MIB = 1024 * 1024;
const MAX_FIELDS = 1000;

/** A valid Misskey note delivery whose JSON ends with `"zz":<junk>` filling the body to 1 MiB. */
function misskeyJson(fill) {
  const delivery = misskeyDelivery("note", { secret: SECRET });
  const head = Buffer.from(delivery.body).toString().slice(0, -1) + ',"zz":';
  return { receiver: "misskey", headers: delivery.headers, body: Buffer.from(head + fill(MIB - head.length - 1) + "}") };
}

/** `unit` repeated inside `open`…`close` to `room` bytes. */
function repeated(room, open, unit, separator, close) {
  const count = Math.floor((room - open.length - close.length + separator.length) / (unit.length + separator.length));
  return open + Array(count).fill(unit).join(separator) + close;
}

/** `items` in an array, then a string filling the rest of `room`. */
function padded(room, items) {
  const head = "[" + items.join(",") + ',"';
  return head + "x".repeat(room - head.length - 2) + '"]';
}

/** A valid OK SKY Message.create form with `extra` fields after its own, at most 1,000 fields and 1 MiB. */
function okskyFields(extra, count = MAX_FIELDS) {
  const delivery = okskyDelivery("Message.create", { secret: SECRET, contentType: "application/x-www-form-urlencoded" });
  const own = Buffer.from(delivery.body)
    .toString()
    .split("&")
    .map((pair) => pair.split("=").map((part) => decodeURIComponent(part.replace(/\+/g, " "))));
  const fields = [...own];
  for (let i = 0; fields.length < count; i++) fields.push(extra(i));
  return { headers: delivery.headers, fields };
}

function urlencoded({ headers, fields }) {
  const body = fields.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
  return { receiver: "oksky", headers: { ...headers, "content-type": "application/x-www-form-urlencoded" }, body: Buffer.from(body) };
}

function multipart({ headers, fields }) {
  const boundary = "memoryboundary0123456789";
  const parts = fields.map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
  const body = Buffer.from(parts.join("") + `--${boundary}--\r\n`);
  return { receiver: "oksky", headers: { ...headers, "content-type": `multipart/form-data; boundary=${boundary}` }, body };
}

/** A key nesting `levels` deep below `name`, each level `segment`. */
const deepKey = (name, segment, levels) => name + `[${segment}]`.repeat(levels);

const CASES = {
  // JSON: 1 MiB of nesting; of empty objects; of empty arrays; of short distinct-ish strings; of mixed numbers.
  "json-deep": () => misskeyJson((room) => "[".repeat(Math.floor(room / 2)) + "]".repeat(Math.floor(room / 2))),
  "json-objects": () => misskeyJson((room) => repeated(room, "[", "{}", ",", "]")),
  "json-arrays": () => misskeyJson((room) => repeated(room, "[", "[]", ",", "]")),
  "json-strings": () => misskeyJson((room) => repeated(room, "[", '"ab"', ",", "]")),
  "json-zeros": () => misskeyJson((room) => repeated(room, "[", "0", ",", "]")),
  "json-numbers": () => misskeyJson((room) => repeated(room, "[", '1.5,""', ",", "]")),
  // As much as the budget lets through (32,768 objects and arrays for 1 MiB, four values
  // counting as one), padded to 1 MiB with one long string: the worst accepted JSON.
  "json-objects-fit": () => misskeyJson((room) => padded(room, Array(26_000).fill("{}"))),
  "json-zeros-fit": () => misskeyJson((room) => padded(room, Array(130_000).fill("0"))),
  "json-strings-fit": () => misskeyJson((room) => padded(room, Array(130_000).fill('"ab"'))),
  // Forms (issue 12): keys like a[1000][1000]…, a[19][19]… (the largest array index), and long names.
  "urlencoded-1000": () => urlencoded(okskyFields((i) => [deepKey(`zz[${i}]`, 1000, 31), ""])),
  "urlencoded-20": () => urlencoded(okskyFields((i) => [deepKey(`zz[${i}]`, 19, 62), ""])),
  // The same shapes cut to what the budget lets through: the worst accepted forms.
  // (A small body may always build 10,000 containers; an element slot store costs one per 8 slots.)
  "urlencoded-1000-fit": () => urlencoded(okskyFields((i) => [`zz[x${i}][1000]`, ""], 50)),
  "urlencoded-20-fit": () => urlencoded(okskyFields((i) => [deepKey(`zz[x${i}]`, 19, 1), ""])),
  "urlencoded-names-fit": () => urlencoded(okskyFields((i) => [deepKey(`zz[x${i}]`, "y", 8), ""])),
  "multipart-20-fit": () => multipart(okskyFields((i) => [deepKey(`zz[x${i}]`, 19, 1), ""])),
  // 1 MiB forms of 1,000 fields, their names nesting as far as the budget (32,768 at 1 MiB) lets them, padded with values.
  "urlencoded-names-1mib": () => urlencoded(okskyFields((i) => [deepKey(`zz[x${i}]`, "y", 30), "v".repeat(800)])),
  "urlencoded-20-1mib": () => urlencoded(okskyFields((i) => [deepKey(`zz[x${i}]`, 19, 3), "v".repeat(1000)])),
  "multipart-names-1mib": () => multipart(okskyFields((i) => [deepKey(`zz[x${i}]`, "y", 30), "v".repeat(850)])),
  "urlencoded-big": () => urlencoded(okskyFields((i) => [`zz[${i}]`, "x".repeat(1000)])),
  "multipart-1000": () => multipart(okskyFields((i) => [deepKey(`zz[${i}]`, 1000, 31), ""])),
  "multipart-20": () => multipart(okskyFields((i) => [deepKey(`zz[${i}]`, 19, 62), ""])),
};

async function main() {
  const [name, copiesText] = process.argv.slice(2);
  const build = CASES[name];
  if (!build) throw new Error(`unknown case ${name}; one of ${Object.keys(CASES).join(", ")}`);
  const copies = Number(copiesText ?? 1);
  const receivers = {
    misskey: createMisskeyReceiver({ secret: SECRET, dedupe: false }),
    oksky: createOkskyReceiver({ secret: SECRET }),
  };
  for (const receiver of Object.values(receivers)) receiver.onAny(() => {});
  const request = build();
  // Warm up: the code paths of small valid deliveries of every kind measured compiled
  // (JSON, urlencoded, multipart), so that the one-time cost of compiling them is not
  // counted against the body; no big garbage, which would grow the heap ahead of the
  // measurement and hide what the body costs.
  for (let round = 0; round < 50; round++) {
    const small = misskeyDelivery("note", { secret: SECRET });
    await receivers.misskey.receive({ method: "POST", headers: small.headers, body: Buffer.from(small.body) });
    for (const contentType of ["application/x-www-form-urlencoded", "multipart/form-data"]) {
      const form = okskyDelivery("Message.create", { secret: SECRET, contentType });
      await receivers.oksky.receive({ method: "POST", headers: form.headers, body: Buffer.from(form.body) });
    }
  }
  const beforeKb = process.resourceUsage().maxRSS;
  const answers = await Promise.all(
    Array.from({ length: copies }, () =>
      receivers[request.receiver].receive({ method: "POST", headers: request.headers, body: Buffer.from(request.body) }),
    ),
  );
  const afterKb = process.resourceUsage().maxRSS;
  const statuses = answers.map((answer) => `${answer.status} ${answer.outcome}`);
  process.stdout.write(JSON.stringify({ name, copies, bodyBytes: request.body.length, beforeKb, afterKb, statuses }) + "\n");
}

main().catch((error) => {
  process.stderr.write(String(error?.stack ?? error) + "\n");
  process.exitCode = 1;
});
