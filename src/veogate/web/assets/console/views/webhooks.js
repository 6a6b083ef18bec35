// #/webhooks?key=&state=&job=&endpoint=: webhook endpoints (enable, disable) and deliveries
// (redeliver a finished one).

import { admin, api, query } from "../api.js";
import { badge, field, h, table, values, when } from "../dom.js";

export const NAME = "webhooks";

const STATES = ["", "pending", "delivered", "failed"];
const FILTERS = ["key", "state", "job", "endpoint"];

export async function render({ params }, ctx) {
  const filters = Object.fromEntries(FILTERS.map((name) => [name, params.get(name) ?? ""]));
  const [endpoints, deliveries] = await Promise.all([
    api("GET", admin(`/webhooks/endpoints${query({ key: filters.key })}`)),
    api("GET", admin(`/webhooks/deliveries${query({ ...filters, limit: 100 })}`)),
  ]);
  const form = h(
    "form",
    { class: "card inline", role: "search", "aria-label": "Filter deliveries" },
    field("Key id", h("input", { name: "key", value: filters.key })),
    field("State", h("select", { name: "state" }, STATES.map((s) => h("option", { value: s, selected: s === filters.state }, s || "any")))),
    field("Job id", h("input", { name: "job", value: filters.job })),
    field("Endpoint id", h("input", { name: "endpoint", value: filters.endpoint })),
    h("button", { type: "submit" }, "Filter"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ctx.go(`#/webhooks${query(values(form))}`);
  });
  const endpointColumns = [
    ["Endpoint", (e) => h("code", {}, e.id)],
    ["URL", (e) => e.url],
    ["Key", (e) => h("a", { href: `#/keys/${e.key}` }, e.key)],
    ["Events", (e) => e.event_types.join(", ")],
    ["State", (e) => [badge(e.state), e.disabled_reason ? h("small", {}, ` ${e.disabled_reason}`) : ""]],
    [
      "Actions",
      (e) =>
        e.state === "disabled"
          ? h("button", { type: "button", onclick: ctx.act("POST", `/webhooks/endpoints/${e.id}/enable`, `Enabled ${e.id}`) }, "Enable")
          : h("button", { type: "button", class: "danger", onclick: ctx.act("POST", `/webhooks/endpoints/${e.id}/disable`, `Disabled ${e.id}`) }, "Disable"),
    ],
  ];
  const deliveryColumns = [
    ["Delivery", (d) => d.id],
    ["Event", (d) => d.event_type],
    ["Job", (d) => h("a", { href: `#/jobs/${d.job_id}` }, d.job_id)],
    ["URL", (d) => d.url],
    ["State", (d) => badge(d.state)],
    ["Attempts", (d) => d.attempts],
    ["Last answer", (d) => d.last_error ?? (d.last_status ? String(d.last_status) : "—")],
    ["Created", (d) => when(d.created_at)],
    ["Finished", (d) => when(d.finished_at)],
    [
      "Actions",
      (d) =>
        d.state !== "pending" &&
        h(
          "button",
          {
            type: "button",
            "aria-label": `Redeliver delivery ${d.id}`,
            onclick: ctx.act("POST", `/webhooks/deliveries/${d.id}/redeliver`, `Delivery ${d.id} is being sent again`),
          },
          "Redeliver",
        ),
    ],
  ];
  return h(
    "section",
    { "aria-labelledby": "webhooks-title" },
    h("h1", { id: "webhooks-title" }, "Webhooks"),
    h("p", { class: "hint" }, "Endpoints are added and their secrets rotated with ", h("code", {}, "veogate webhooks"), "."),
    table("Endpoints", endpointColumns, endpoints.data, "none registered."),
    h("h2", {}, "Deliveries"),
    form,
    h("p", {}, h("button", { type: "button", class: "quiet", onclick: () => ctx.refresh() }, "Refresh deliveries")),
    table("Deliveries", deliveryColumns, deliveries.data, "none match."),
  );
}
