// #/providers: each provider, the models it serves, and its credentials' health.

import { admin, api } from "../api.js";
import { h, table } from "../dom.js";

export const NAME = "providers";

const COLUMNS = [
  ["Credential", (c) => h("code", {}, c.name)],
  ["Kind", (c) => c.kind],
  ["Description", (c) => c.description],
  ["Concurrency", (c) => c.concurrency],
  ["Requests/min", (c) => c.requests_per_minute ?? "—"],
  ["In flight", (c) => `${c.in_flight}${c.max_in_flight ? ` / ${c.max_in_flight}` : ""}`],
  ["Finished (15 min)", (c) => c.recent.finished],
  ["Failed", (c) => c.recent.failed],
  ["Provider failures", (c) => c.recent.provider_failures],
  ["Error rate", (c) => health(c.recent.error_rate)],
];

export async function render() {
  const providers = await api("GET", admin("/providers"));
  return h(
    "section",
    { "aria-labelledby": "providers-title" },
    h("h1", { id: "providers-title" }, "Providers"),
    providers.data.map((p) =>
      h(
        "article",
        { class: "card provider", "aria-label": `Provider ${p.name}` },
        h("h2", {}, p.name),
        h("p", {}, "Models: ", p.models.map((m) => h("code", { class: "chip" }, m))),
        table(`Credentials of ${p.name}`, COLUMNS, p.credentials),
      ),
    ),
  );
}

function health(rate) {
  if (rate === null) return h("span", { class: "badge" }, "no recent jobs");
  const state = rate >= 0.2 ? "failed" : rate > 0 ? "running" : "succeeded";
  return h("span", { class: `badge badge-${state}` }, `${(rate * 100).toFixed(1)}%`);
}
