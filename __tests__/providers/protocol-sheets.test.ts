import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { createKakaoBizmessageReceiver, kakaoEnvelopeSchema } from "../../lib/providers/kakao-bizmessage/index.js";
import { createOkskyReceiver } from "../../lib/providers/oksky/index.js";
import { kakaoBizmessageDelivery } from "../../lib/testing/samples/kakao-bizmessage.js";
import { okskyDelivery, okskyJsonApiDocument, okskyPayload } from "../../lib/testing/index.js";

const LIB = join(__dirname, "..", "..", "lib");

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? tsFiles(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );
}

/** Relative imports and re-exports of a file (type-only ones included), as absolute .ts paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:import|export)\s[^;]*?from\s+"(\.{1,2}\/[^"]+)"/gs)].map((m) =>
    resolve(dirname(file), (m[1] as string).replace(/\.js$/, ".ts")),
  );
}

describe("a provider folder is a protocol sheet", () => {
  test("its protocol, schemas and normalizers never import an adapter (only the folder's index re-exports its factory)", () => {
    const sheets = tsFiles(join(LIB, "providers")).filter((file) => !file.endsWith("index.ts"));
    expect(sheets.length).toBeGreaterThanOrEqual(10);
    for (const file of sheets) {
      for (const target of importsOf(file)) {
        expect([relative(LIB, file), relative(LIB, target)]).not.toEqual([
          relative(LIB, file),
          expect.stringMatching(/^(adapters|receivers)\//),
        ]);
      }
    }
  });

  test("lib has no import cycles", () => {
    const graph = new Map(tsFiles(LIB).map((file) => [file, importsOf(file)]));
    const cycles: string[][] = [];
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (node: string): void => {
      state.set(node, "open");
      stack.push(node);
      for (const next of graph.get(node) ?? []) {
        if (state.get(next) === "open") cycles.push(stack.slice(stack.indexOf(next)).map((file) => relative(LIB, file)));
        else if (!state.has(next) && graph.has(next)) visit(next);
      }
      stack.pop();
      state.set(node, "done");
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });

  test("Kakao reads its envelope once per delivery: name, id and meta from the one parse", async () => {
    const parse = jest.spyOn(kakaoEnvelopeSchema, "safeParse");
    try {
      const kakao = createKakaoBizmessageReceiver({ secret: "s" });
      const metas: unknown[] = [];
      kakao.on("MESSAGE_RESULT_UPDATE", (event) => void metas.push(event.meta));
      const d = kakaoBizmessageDelivery("MESSAGE_RESULT_UPDATE", { secret: "s" });
      parse.mockClear();
      const response = await kakao.receive({ method: "POST", headers: d.headers, body: d.body });
      expect(response.status).toBe(200);
      expect(parse).toHaveBeenCalledTimes(1);
      expect(metas).toEqual([expect.objectContaining({ productName: expect.any(String), appKey: expect.any(String) })]);
    } finally {
      parse.mockRestore();
    }
  });

  test("OK SKY: each JSON:API delivery's meta.original is its own document, concurrent deliveries included", async () => {
    const oksky = createOkskyReceiver({ secret: "s" });
    const originals: unknown[] = [];
    oksky.on("Message.create", (event) => void originals.push(event.meta.original));
    const documents = [okskyJsonApiDocument(okskyPayload("Message.create")), okskyJsonApiDocument(okskyPayload("Message.create"))];
    const responses = await Promise.all(
      documents.map((document) => {
        const d = okskyDelivery("Message.create", { secret: "s" });
        return oksky.receive({
          method: "POST",
          headers: { ...d.headers, "content-type": "application/vnd.api+json" },
          body: JSON.stringify(document),
        });
      }),
    );
    expect(responses.map((response) => response.status)).toEqual([200, 200]);
    expect(originals).toEqual(documents);
  });
});
