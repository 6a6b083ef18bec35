// #/jobs?key=&status=&model=&provider=&created_after=: every dialect's jobs, newest first.

import { admin, api, query } from "../api.js";
import { badge, field, h, table, values, when } from "../dom.js";
import { pager } from "./pager.js";

export const NAME = "jobs";

const STATUSES = ["", "queued", "running", "succeeded", "failed", "cancelled"];
const FILTERS = ["key", "status", "model", "provider", "created_after"];

export async function render({ params }, ctx) {
  const filters = Object.fromEntries(FILTERS.map((name) => [name, params.get(name) ?? ""]));
  const form = h(
    "form",
    { class: "card inline", role: "search", "aria-label": "Filter jobs" },
    field("Key id", h("input", { name: "key", value: filters.key, placeholder: "key_..." })),
    field(
      "Status",
      h("select", { name: "status" }, STATUSES.map((s) => h("option", { value: s, selected: s === filters.status }, s || "any"))),
    ),
    field("Model", h("input", { name: "model", value: filters.model })),
    field("Provider", h("input", { name: "provider", value: filters.provider, placeholder: "preview, google, google-gemini-0" })),
    field("Created after", h("input", { name: "created_after", type: "datetime-local", value: filters.created_after })),
    h("button", { type: "submit" }, "Filter"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ctx.go(`#/jobs${query(values(form))}`);
  });

  const asked = { ...filters };
  if (asked.created_after) asked.created_after = new Date(asked.created_after).toISOString();
  const list = pager("Jobs", async (cursor) => {
    const page = await api("GET", admin(`/jobs${query({ ...asked, limit: 50, cursor })}`));
    return { rows: page.data, next: page.next_cursor };
  }, (rows) => table("Jobs", COLUMNS, rows, "no job matches."));
  await list.reload();
  return h("section", { "aria-labelledby": "jobs-title" }, h("h1", { id: "jobs-title" }, "Jobs"), form, list.node);
}

const COLUMNS = [
  ["Job", (j) => h("a", { href: `#/jobs/${j.id}` }, j.id)],
  ["Status", (j) => badge(j.status)],
  ["Progress", (j) => h("progress", { max: 100, value: j.progress, "aria-label": `${j.progress}%` }, `${j.progress}%`)],
  ["Model", (j) => j.model],
  ["Provider", (j) => j.provider],
  ["Dialect", (j) => j.dialect],
  ["Key", (j) => h("a", { href: `#/keys/${j.key}` }, j.key)],
  ["Created", (j) => when(j.created_at)],
  ["Finished", (j) => when(j.finished_at)],
  ["Error", (j) => j.error?.message ?? ""],
];
