// The live page: entries arrive over server-sent events (/events) and are drawn newest
// first; the form asks the demo to post a sample to its own hooks (/api/send).
const MAX_ENTRIES = 300;

const $ = (id) => document.getElementById(id);
const labels = new Map(); // provider id → display name
const viaInbox = new Set(); // providers whose deliveries are stored in the inbox first
const counts = new Map(); // provider id → entries received
const seen = new Set(); // entry seq numbers, so a replay after reconnecting draws nothing twice
let catalog = [];
let filter = "";

/** A small element builder: el("span", { class: "x" }, "text", child). */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children.filter((child) => child !== undefined && child !== null));
  return node;
}

function setOptions(select, values, label = (value) => value) {
  select.replaceChildren(...values.map((value) => el("option", { value }, label(value))));
}

// ---- Connection -------------------------------------------------------------------

function setConnection(state, text) {
  const box = $("connection");
  box.dataset.state = state;
  box.querySelector(".label").textContent = text;
}

function connect() {
  const source = new EventSource("/events");
  source.addEventListener("open", () => setConnection("live", "Live"));
  source.addEventListener("error", () => setConnection("reconnecting", "Reconnecting…"));
  source.addEventListener("entry", (message) => addEntry(JSON.parse(message.data)));
}

// ---- Entries ------------------------------------------------------------------------

function describeReason(entry) {
  if (!entry.reason) return undefined;
  const text = entry.outcome === "failed" ? "Acknowledged, but " : "";
  const issues = (entry.issues ?? []).slice(0, 3).map((issue) => `${issue.path || "(root)"}: ${issue.message}`);
  return el(
    "p",
    { class: "reason" },
    text,
    el("code", {}, entry.reason),
    entry.message ? ` — ${entry.message}` : "",
    issues.length ? ` (${issues.join("; ")})` : "",
  );
}

function renderEntry(entry) {
  const status = entry.status ?? "—";
  const time = new Date(entry.at).toLocaleTimeString([], { hour12: false });
  const payload =
    entry.payload === undefined
      ? undefined
      : el(
          "details",
          {},
          el("summary", {}, entry.outcome === "accepted" && entry.known !== false ? "Validated payload" : "Payload as received"),
          el("pre", {}, typeof entry.payload === "string" ? entry.payload : JSON.stringify(entry.payload, null, 2)),
        );
  return el(
    "li",
    { class: "entry", "data-provider": entry.provider, "data-outcome": entry.outcome, "data-status": status, "data-seq": entry.seq },
    el(
      "div",
      { class: "entry-head" },
      el("span", { class: "badge", "data-provider": entry.provider }, labels.get(entry.provider) ?? entry.provider),
      entry.name
        ? el("span", { class: "name" }, entry.name)
        : el(
            "span",
            { class: "name unnamed" },
            entry.outcome === "duplicate"
              ? "duplicate, not dispatched again"
              : entry.outcome === "queued"
                ? "queued: a worker runs it"
                : "refused before identifying the event",
          ),
      entry.software
        ? el(
            "span",
            { class: "tag software", title: "meta.software: the Misskey-compatible server that sent it (headers and User-Agent)" },
            entry.software,
          )
        : undefined,
      entry.known === false
        ? el(
            "span",
            { class: "tag", title: "No schema for this event name: delivered to onAny with an unvalidated payload" },
            "unknown event",
          )
        : undefined,
      entry.via === "worker"
        ? el("span", { class: "tag", title: "Run by a BullMQ worker after the ingest answered" }, "worker")
        : undefined,
      entry.outcome === "accepted" && entry.via === undefined && viaInbox.has(entry.provider)
        ? el(
            "span",
            { class: "tag", title: "Stored in the embedded inbox before dispatch: a failing listener is retried from it" },
            "inbox",
          )
        : undefined,
      el("span", { class: "status", "data-class": String(status)[0] }, String(status)),
    ),
    el(
      "div",
      { class: "entry-meta" },
      entry.id ? el("span", { class: "id", title: "delivery id" }, `id ${entry.id}`) : undefined,
      el("span", { class: "latency", title: "time to answer" }, `${entry.latencyMs.toFixed(1)} ms`),
      el("time", { datetime: entry.at }, time),
    ),
    describeReason(entry),
    payload,
  );
}

function addEntry(entry) {
  if (seen.has(entry.seq)) return;
  seen.add(entry.seq);
  counts.set(entry.provider, (counts.get(entry.provider) ?? 0) + 1);
  const node = renderEntry(entry);
  node.hidden = filter !== "" && entry.provider !== filter;
  const list = $("entries");
  list.prepend(node);
  while (list.children.length > MAX_ENTRIES) list.lastElementChild.remove();
  refreshFilters();
}

// ---- Filter -------------------------------------------------------------------------

function applyFilter(provider) {
  filter = provider;
  for (const node of $("entries").children) node.hidden = filter !== "" && node.dataset.provider !== filter;
  refreshFilters();
}

function refreshFilters() {
  let total = 0;
  for (const button of $("filters").querySelectorAll("button")) {
    const provider = button.dataset.provider;
    const count = provider ? (counts.get(provider) ?? 0) : [...counts.values()].reduce((sum, n) => sum + n, 0);
    if (!provider) total = count;
    button.querySelector(".count").textContent = String(count);
    button.setAttribute("aria-pressed", String(provider === filter));
  }
  const visible = [...$("entries").children].some((node) => !node.hidden);
  const empty = $("empty");
  empty.hidden = visible;
  if (!visible && total > 0) empty.textContent = `No ${labels.get(filter) ?? ""} deliveries yet.`;
}

// ---- Send form ----------------------------------------------------------------------

function providerSpec() {
  return catalog.find((provider) => provider.id === $("provider").value);
}

function syncLayouts() {
  const layouts = providerSpec()?.layouts[$("content-type").value] ?? [];
  setOptions($("layout"), layouts);
  $("layout-field").hidden = layouts.length < 2;
}

function syncForm() {
  const spec = providerSpec();
  if (!spec) return;
  setOptions($("event"), spec.events);
  setOptions($("software"), spec.software);
  $("software-field").hidden = spec.software.length < 2;
  setOptions($("content-type"), spec.contentTypes);
  $("content-type-field").hidden = spec.contentTypes.length < 2;
  syncLayouts();
}

async function send(event) {
  event.preventDefault();
  const form = new FormData($("send-form"));
  const body = Object.fromEntries([...form].filter(([, value]) => value !== ""));
  const button = $("send-button");
  const result = $("send-result");
  button.disabled = true;
  result.textContent = "Sending…";
  delete result.dataset.ok;
  try {
    const response = await fetch("/api/send", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.error ?? `HTTP ${response.status}`);
    result.dataset.ok = String(answer.status < 400);
    result.textContent = `→ ${answer.status} ${answer.statusText}\n${answer.body}`;
  } catch (error) {
    result.dataset.ok = "false";
    result.textContent = error.message;
  } finally {
    button.disabled = false;
  }
}

async function start() {
  const response = await fetch("/api/catalog");
  catalog = (await response.json()).providers;
  for (const provider of catalog) {
    labels.set(provider.id, provider.label);
    if (provider.inbox) viaInbox.add(provider.id);
    $("filters").append(
      el(
        "button",
        { type: "button", "data-provider": provider.id, "aria-pressed": "false" },
        provider.label,
        " ",
        el("span", { class: "count" }, "0"),
      ),
    );
  }
  setOptions(
    $("provider"),
    catalog.map((provider) => provider.id),
    (id) => labels.get(id),
  );
  $("endpoints").append(
    ...catalog.flatMap((provider) => [
      el("dt", {}, provider.label),
      el("dd", {}, el("code", {}, `POST ${provider.path}`), provider.auth ? ` · ${provider.auth}` : ""),
    ]),
  );
  syncForm();
  $("provider").addEventListener("change", syncForm);
  $("content-type").addEventListener("change", syncLayouts);
  $("send-form").addEventListener("submit", send);
  $("filters").addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (button) applyFilter(button.dataset.provider);
  });
  connect();
}

start().catch((error) => setConnection("reconnecting", `Failed to start: ${error.message}`));
