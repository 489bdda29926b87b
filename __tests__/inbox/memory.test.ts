import { MemoryInbox } from "../../lib/inbox/memory.js";
import { describeInboxContract } from "./contract.js";

// One instance stands for both: a memory inbox cannot be shared between processes.
describeInboxContract("MemoryInbox", async (options) => {
  const store = new MemoryInbox(options);
  return { store, twin: store };
});
