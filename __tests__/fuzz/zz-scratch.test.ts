import vm from "node:vm";
test("unhandled detection", async () => {
  const real = vm.runInThisContext("process") as NodeJS.Process;
  console.log("same?", real === process, typeof real.on);
  const seen: unknown[] = [];
  const h = (r: unknown) => seen.push(r);
  real.on("unhandledRejection", h);
  const p = Promise.reject(new Error("boom"));
  await new Promise((r) => setImmediate(r));
  real.off("unhandledRejection", h);
  console.log("seen", seen.length);
  p.catch(() => {});
});
