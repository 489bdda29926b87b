import { parseSize } from "../../lib/core/request/read-body.js";

describe("parseSize", () => {
  test.each<[number | string, number]>([
    [1234, 1234],
    ["1234", 1234],
    ["10b", 10],
    ["512kb", 512 * 1024],
    ["512KB", 512 * 1024],
    ["1mb", 1024 * 1024],
    [" 2 MB ", 2 * 1024 * 1024],
    ["1gb", 1024 ** 3],
    ["1.5kb", 1536],
    ["0.5b", 0],
  ])("%p → %p bytes", (size, bytes) => {
    expect(parseSize(size)).toBe(bytes);
  });

  test.each(["", "kb", "1tb", "-1kb", "1 k b", "1e3", "ten"])("%p is a TypeError naming the value", (size) => {
    expect(() => parseSize(size)).toThrow(TypeError);
    expect(() => parseSize(size)).toThrow(`"${size}"`);
  });
});
