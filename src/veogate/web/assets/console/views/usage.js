// #/usage?days=&metric=: totals of finished jobs by day and by model, drawn as bar charts
// (inline SVG) with the same numbers in tables.

import { admin, api, query } from "../api.js";
import { field, h, table, values } from "../dom.js";
import { barChart } from "./chart.js";

export const NAME = "usage";

const METRICS = { cost: "Cost (credits)", jobs: "Jobs", billable_seconds: "Billable seconds" };

export async function render({ params }, ctx) {
  const days = Number(params.get("days") ?? 30);
  const metric = METRICS[params.get("metric")] ? params.get("metric") : "cost";
  const since = new Date(Date.now() - days * 86400_000).toISOString();
  const [byDay, byModel] = await Promise.all(
    ["day", "model"].map((group) => api("GET", admin(`/usage${query({ since, group_by: group })}`))),
  );
  const form = h(
    "form",
    { class: "card inline", "aria-label": "Usage period" },
    field("Period", h("select", { name: "days" }, [7, 30, 90, 365].map((d) => h("option", { value: d, selected: d === days }, `last ${d} days`)))),
    field("Measure", h("select", { name: "metric" }, Object.entries(METRICS).map(([v, label]) => h("option", { value: v, selected: v === metric }, label)))),
    h("button", { type: "submit" }, "Show"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ctx.go(`#/usage${query(values(form))}`);
  });
  const columns = (group, heading) => [
    [heading, (r) => r[group] ?? "all"],
    ["Jobs", (r) => r.jobs],
    ["Billable seconds", (r) => r.billable_seconds],
    ["Cost", (r) => r.cost.toFixed(2)],
  ];
  const csv = admin(`/usage${query({ since, group_by: "day,key,model", format: "csv" })}`);
  return h(
    "section",
    { "aria-labelledby": "usage-title" },
    h("h1", { id: "usage-title" }, "Usage"),
    form,
    h("h2", {}, `${METRICS[metric]} by day`),
    barChart(everyDay(byDay.data, metric, days), `${METRICS[metric]} by day, last ${days} days`),
    table("By day", columns("day", "Day"), byDay.data, "no finished job in this period."),
    h("h2", {}, `${METRICS[metric]} by model`),
    barChart(byModel.data.map((r) => [r.model, r[metric]]), `${METRICS[metric]} by model, last ${days} days`),
    table("By model", columns("model", "Model"), byModel.data, "no finished job in this period."),
    h("p", {}, h("a", { href: csv, download: "usage.csv" }, "Download CSV (by day, key and model)")),
  );
}

// One point per UTC day of the period (a day without finished jobs is 0), labelled MM-DD.
function everyDay(rows, metric, days) {
  const byDay = new Map(rows.map((r) => [r.day, r[metric]]));
  const points = [];
  for (let back = days - 1; back >= 0; back -= 1) {
    const day = new Date(Date.now() - back * 86400_000).toISOString().slice(0, 10);
    points.push([day.slice(5), byDay.get(day) ?? 0]);
  }
  return points;
}
