import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as testing from "../../lib/testing/index.js";
import { PROVIDERS } from "../fixtures/providers.js";

// The README's "Testing your handlers" is the only guide to /testing users get: it must
// name every builder, payload, event list and helper the entry point exports.
const readme = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");
const section = readme.slice(
  readme.indexOf("## Testing your handlers"),
  readme.indexOf("\n## ", readme.indexOf("## Testing your handlers") + 1),
);

test("the section exists", () => {
  expect(section.length).toBeGreaterThan(100);
});

test.each(Object.keys(testing))("it names %s", (name) => {
  expect(section).toContain(`\`${name}`);
});

test.each([...PROVIDERS.map((row) => [row.sampleBuilder, row.credential] as const), ["kakaoTemplateUpdateDelivery", "secret"] as const])(
  "it shows %s taking `%s`, as the builder does",
  (builder, credential) => {
    expect(section).toMatch(new RegExp(`\`${builder}\\([^)]*\\{ ${credential}[,} ]`));
    // The builder really sends that credential, and nothing under the other name.
    const build = testing[builder] as (event: string, options: Record<string, string>) => testing.Delivery;
    const event = builder === "kakaoTemplateUpdateDelivery" ? "TEMPLATE_UPDATE" : eventOf(builder);
    const headers = Object.values(build(event, { [credential]: "cred-123" }).headers).join("\n");
    expect(headers).toContain("cred-123");
    const other = credential === "secret" ? "token" : "secret";
    expect(Object.values(build(event, { [other]: "cred-456" }).headers).join("\n")).not.toContain("cred-456");
  },
);

function eventOf(builder: string): string {
  return PROVIDERS.find((row) => row.sampleBuilder === builder)!.eventNames[0]!;
}
