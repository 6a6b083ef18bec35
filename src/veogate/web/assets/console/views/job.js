// #/jobs/ID: one job: its facts, a player and download link per video, its event timeline
// (events clients were told of, and the pipeline's step notes), and its canonical request.

import { admin, api } from "../api.js";
import { badge, h, when } from "../dom.js";

export const NAME = "job";

export async function render({ id }, ctx) {
  const job = await api("GET", admin(`/jobs/${encodeURIComponent(id)}`));
  const deliveries = h("p", {}, h("a", { href: `#/webhooks?job=${job.id}` }, "Webhook deliveries of this job"));
  return h(
    "section",
    { "aria-labelledby": "job-title" },
    h("h1", { id: "job-title" }, `Job ${job.id} `, badge(job.status)),
    h(
      "dl",
      { class: "facts" },
      fact("Model", job.model),
      fact("Provider", job.provider),
      fact("Dialect", job.dialect),
      fact("Key", h("a", { href: `#/keys/${job.key}` }, job.key)),
      fact("Progress", `${job.progress}%`),
      fact("Created", when(job.created_at)),
      fact("Started", when(job.started_at)),
      fact("Finished", when(job.finished_at)),
      job.usage && fact("Billable seconds", job.usage.billable_seconds),
      job.usage && fact("Cost", job.usage.cost),
      job.error && fact("Error", `${job.error.code}: ${job.error.message ?? ""}`),
      job.deleted_at && fact("Deleted", when(job.deleted_at)),
    ),
    players(job),
    deliveries,
    h("h2", {}, "Timeline"),
    timeline(job.events),
    h("h2", {}, "Request"),
    h("pre", { class: "json", tabindex: 0, "aria-label": "The job's canonical request" }, JSON.stringify(job.spec, null, 2)),
    job.warnings.length > 0 && h("ul", { class: "warnings" }, job.warnings.map((w) => h("li", {}, w))),
  );
}

function fact(term, value) {
  return [h("dt", {}, term), h("dd", {}, value ?? "—")];
}

function players(job) {
  if (job.links.length === 0) {
    return h("p", { class: "empty" }, job.status === "succeeded" ? "Its videos have expired." : "No video yet.");
  }
  return h(
    "div",
    { class: "players" },
    job.links.map((link, index) => {
      const output = job.outputs[index] ?? {};
      const size = output.width ? `${output.width}×${output.height}, ${output.duration_seconds} s` : "";
      return h(
        "figure",
        {},
        h("video", { src: link.url, controls: true, preload: "auto", muted: true, "aria-label": `Video ${index + 1} of job ${job.id}` }),
        h("figcaption", {}, `Video ${index + 1} ${size} · `, h("a", { href: link.url, download: `${job.id}-${index}.mp4` }, "Download")),
      );
    }),
  );
}

function timeline(events) {
  return h(
    "ol",
    { class: "timeline", "aria-label": "Event timeline" },
    events.map((event) =>
      h(
        "li",
        { class: event.delivered_to_clients ? "told" : "note" },
        h("time", { datetime: event.at }, when(event.at)),
        " ",
        h("strong", {}, event.kind),
        Object.keys(event.detail).length > 0 && h("code", {}, " ", JSON.stringify(event.detail)),
        event.delivered_to_clients ? "" : h("span", { class: "hint" }, " (step note)"),
      ),
    ),
  );
}
