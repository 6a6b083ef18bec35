// Following a job to its end: its event stream (resumed with Last-Event-ID when it drops),
// then status reads (`GET /v1/tasks/{id}`) until it is finished. When no stream can be had
// at all (refused, or a proxy that does not pass it), the status reads alone follow the job.

import { readEvents } from "../common/sse.js";

export const FINISHED = new Set(["completed", "failed", "cancelled"]);
const STREAM_ATTEMPTS = 3;
const POLL_MS = 1000;

// An event's type as the apimart status word the page shows (events of every dialect's jobs
// share these types; their bodies are each dialect's own status shape).
const EVENT_STATUS = {
  "job.queued": "pending",
  "job.started": "processing",
  "job.progress": "processing",
  "job.succeeded": "completed",
  "job.failed": "failed",
  "job.cancelled": "cancelled",
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `{status, progress}` of one event: the status from its type, the progress from its body
 * (apimart wraps the job in `{code, data}`, OpenAI sends it bare; null when it has none). */
function eventProgress(event) {
  const body = JSON.parse(event.data)?.data;
  const job = body?.data ?? body;
  const progress = typeof job?.progress === "number" ? job.progress : null;
  return { status: EVENT_STATUS[event.type] ?? null, progress };
}

/** Stream the job's events, calling `onProgress` with each, until its terminal event; a
 * stream that drops or closes early is resumed after the last event seen. One that cannot be
 * had (an error answer, or three attempts) is given up quietly: the caller's status reads
 * take over. */
async function stream(api, jobId, onProgress, signal) {
  let lastEventId = null;
  let ended = false;
  for (let attempt = 0; attempt < STREAM_ATTEMPTS && !ended; attempt += 1) {
    try {
      await readEvents(`/v1/jobs/${encodeURIComponent(jobId)}/events`, {
        headers: api.headers(),
        lastEventId,
        signal,
        onEvent: (event) => {
          lastEventId = event.id ?? lastEventId;
          const { status, progress } = eventProgress(event);
          if (status) onProgress(status, progress);
          ended ||= FINISHED.has(status);
        },
      });
    } catch (error) {
      if (signal.aborted) throw error;
      if (error.status >= 400 && error.status < 500) return;
    }
  }
}

/** Follow `jobId` (any dialect's spelling) until it is finished, calling
 * `onProgress(status, progress)` as it moves; resolves to the finished apimart task, whose
 * result links are signed and fresh. A missing job or refused key is thrown as ApiError. */
export async function follow(api, jobId, onProgress, signal) {
  await stream(api, jobId, onProgress, signal);
  for (;;) {
    const task = (await api.json(`/v1/tasks/${encodeURIComponent(jobId)}`, { signal })).data;
    onProgress(task.status, task.progress ?? 0);
    if (FINISHED.has(task.status)) return task;
    await sleep(POLL_MS);
  }
}
