// A finished job in the page: a player and a download link per sample, or its error.

const $ = (id) => document.getElementById(id);

/** A result URL the page can play: veogate's own signed URLs as paths of this origin (the
 * server may name itself by another host than the page's); a presigned object-store URL
 * (S3: `X-Amz-Signature`) as it is, its origin being allowed by the page's policy. */
function sameOrigin(url) {
  const parsed = new URL(url, location.href);
  if (parsed.searchParams.has("X-Amz-Signature")) return parsed.href;
  return parsed.pathname + parsed.search;
}

function sample(taskId, index, url) {
  const figure = document.createElement("figure");
  const video = document.createElement("video");
  video.controls = true;
  video.preload = "auto";
  video.playsInline = true;
  video.src = sameOrigin(url);
  video.setAttribute("aria-label", `Sample ${index + 1} of ${taskId}`);
  const caption = document.createElement("figcaption");
  const link = document.createElement("a");
  link.href = video.src;
  link.download = `${taskId}-${index + 1}.mp4`;
  link.textContent = `Download sample ${index + 1}`;
  caption.append(link);
  figure.append(video, caption);
  return figure;
}

/** The players of finished apimart `task` (shown as `jobId`), or why it has none. */
export function showTask(jobId, task) {
  const results = $("results");
  if (task.status === "completed") {
    const videos = task.result?.videos ?? [];
    results.replaceChildren(...videos.map((video, index) => sample(jobId, index, video.url[0])));
  } else if (task.status === "failed" || task.status === "cancelled") {
    const error = document.createElement("p");
    error.className = "error";
    const fallback = task.status === "cancelled" ? "on request" : "no reason given";
    const why = task.error?.message ?? fallback;
    error.textContent = `${jobId} ${task.status}: ${why}`;
    results.replaceChildren(error);
  } else {
    results.replaceChildren();
  }
}

const STATUS_WORDS = {
  pending: "Queued",
  processing: "Rendering",
  completed: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
};

/** The progress bar and status line for job `jobId` (a null `progress` keeps the last). */
export function showProgress(jobId, status, progress) {
  const bar = $("progress");
  if (progress !== null) bar.value = progress;
  $("job-status").textContent = `${jobId}: ${STATUS_WORDS[status] ?? status}, ${bar.value}%`;
  $("job-status").dataset.status = status;
}
