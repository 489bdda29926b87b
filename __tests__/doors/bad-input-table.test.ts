import { createMisskeyReceiver } from "../../lib/providers/misskey/index.js";
import { badInputTable, LIMIT, SECRET, verdict, type WireAnswer } from "./bad-input-table.js";
import { doors, type OpenDoor } from "./doors.js";

// The same table through every door: the answer policy, limits and codes are the core's,
// whichever door a request comes in by.

describe.each(doors)("$name", (door) => {
  let open: OpenDoor;
  const seen: string[] = [];

  beforeAll(async () => {
    const receiver = createMisskeyReceiver({ secret: SECRET, limit: LIMIT, logger: false });
    receiver.on("note", (event) => void seen.push(event.id));
    open = await door.open(receiver);
  });
  afterAll(() => open.close());

  test.each(badInputTable)("$name → $status", async (row) => {
    let answer: WireAnswer | undefined;
    for (const wire of row.requests()) answer = await open.send(wire);
    expect(verdict(answer!)).toEqual({ status: row.status, json: true, expected: row.expected });
  });

  test("only the good deliveries reached the listener (the duplicate once)", () => {
    expect(seen).toHaveLength(2);
  });
});
