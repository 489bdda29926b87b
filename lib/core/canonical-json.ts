/** Output text on the work stack, told apart from payload values by its class. */
class Text {
  constructor(readonly text: string) {}
}

/**
 * JSON with object keys sorted at every level: equal payloads give equal text. Built
 * with an explicit stack, not recursion: JSON.parse accepts payloads nested thousands
 * deep, which would overflow the call stack.
 */
export function canonicalJson(root: unknown): string {
  const out: string[] = [];
  const stack: unknown[] = [root];
  const pushAll = (parts: unknown[]): void => {
    for (let i = parts.length - 1; i >= 0; i--) stack.push(parts[i]);
  };
  while (stack.length > 0) {
    const value = stack.pop();
    if (value instanceof Text) {
      out.push(value.text);
    } else if (Array.isArray(value)) {
      const parts: unknown[] = [new Text("[")];
      value.forEach((item, index) => {
        if (index > 0) parts.push(new Text(","));
        parts.push(item === undefined ? null : item);
      });
      pushAll([...parts, new Text("]")]);
    } else if (value !== null && typeof value === "object") {
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record)
        .filter((key) => record[key] !== undefined)
        .sort();
      const parts: unknown[] = [new Text("{")];
      keys.forEach((key, index) => parts.push(new Text(`${index > 0 ? "," : ""}${JSON.stringify(key)}:`), record[key]));
      pushAll([...parts, new Text("}")]);
    } else {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- typed string, but undefined for undefined (in an array)
      out.push(JSON.stringify(value) ?? "null");
    }
  }
  return out.join("");
}
