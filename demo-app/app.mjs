// The demo's Express app: the six hooks, the live page and its small API.
import express from "express";
import { fileURLToPath } from "node:url";
import { credentialSources, INBOX_PROVIDERS } from "./config.mjs";
import { eventStream } from "./event-stream.mjs";
import { createObservability } from "./observability.mjs";
import { createDemoReceivers } from "./receivers.mjs";
import { buildSample, fetchFailure, hookPath, postDelivery, sampleCatalog, SampleError } from "./samples.mjs";
import { trackDeliveries } from "./track-deliveries.mjs";

const publicDir = fileURLToPath(new URL("./public/", import.meta.url));

/**
 * @param {{ credentials: Record<string, { value: string }>, log: import("./event-log.mjs").EventLog, selfUrl: () => string }} options
 *   `selfUrl` is where the demo can reach its own hooks (known once it listens).
 * @returns the app, its inbox or queue, and `close()` to drain the receivers and close them.
 */
export async function createDemoApp({ credentials, log, selfUrl }) {
  const app = express();
  app.disable("x-powered-by");

  // Hooks first, and no global body parser: each receiver reads its own body, bounded.
  const observability = createObservability();
  const { receivers, inbox, queue, close: closeStorage } = await createDemoReceivers(credentials, observability);
  if (inbox) observability.observeInbox(inbox);
  app.get("/metrics", observability.serveMetrics);
  for (const [provider, receiver] of Object.entries(receivers)) {
    app.use(
      hookPath(provider),
      trackDeliveries(provider, receiver, (entry) => log.add(entry)),
    );
  }

  app.get("/events", eventStream(log));
  // What the page's form and endpoint list need; the secrets themselves stay in the terminal.
  const providers = sampleCatalog().map((provider) => ({
    ...provider,
    path: hookPath(provider.id),
    auth: credentialSources.find((source) => source.provider === provider.id)?.sentAs,
    inbox: (inbox ?? queue) !== undefined && INBOX_PROVIDERS.includes(provider.id),
  }));
  app.get("/api/catalog", (_req, res) => res.json({ providers }));
  app.post("/api/send", express.json({ limit: "4kb" }), async (req, res) => {
    let delivery;
    try {
      delivery = buildSample(req.body ?? {}, credentials);
    } catch (error) {
      if (!(error instanceof SampleError)) throw error;
      return res.status(400).json({ error: error.message, choices: error.choices });
    }
    try {
      const answer = await postDelivery(new URL(hookPath(req.body.provider), selfUrl()), delivery);
      res.json(answer);
    } catch (error) {
      res.status(502).json({ error: `Posting the sample failed: ${fetchFailure(error)}` });
    }
  });

  app.use(express.static(publicDir, { index: "index.html" }));

  async function close() {
    // In-flight dispatches finish (bounded) before the inbox or queue closes.
    await Promise.all(Object.values(receivers).map((receiver) => receiver.close({ timeoutMs: 3000 })));
    await closeStorage();
  }
  return { app, inbox, queue, close };
}
