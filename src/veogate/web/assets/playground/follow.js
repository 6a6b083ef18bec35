// Following a job to its end: its event stream (resumed with Last-Event-ID when it drops),
// then status reads (`GET /v1/tasks/{id}`) until it is finished.

import { ApiError } from "../common/api.js";
import { readEvents } from "../common/sse.js";

export const FINISHED = new Set(["completed", "failed", "cancelled"]);
const STREAM_ATTEMPTS = 3;
const POLL_MS = 1000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Stream the job's events, calling `onTask` with the apimart task each carries. Gives up
 * quietly (the caller polls) when the stream cannot be had; a 401/404 is thrown. */
async function stream(api, taskId, onTask, signal) {
  let lastEventId = null;
  for (let attempt = 0; attempt < STREAM_ATTEMPTS; attempt += 1) {
    try {
      lastEventId = await readEvents(`/v1/jobs/${encodeURIComponent(taskId)}/events`, {
        headers: api.headers(),
        lastEventId,
        signal,
        onEvent: (event) => {
          const task = JSON.parse(event.data)?.data?.data;
          if (task) onTask(task, event.type);
        },
      });
      return;
    } catch (error) {
      if (signal.aborted) throw error;
      if (error instanceof ApiError && [401, 403, 404].includes(error.status)) throw error;
    }
  }
}

/** Follow `taskId` until it is finished; resolves to the finished task. */
export async function follow(api, taskId, onTask, signal) {
  await stream(api, taskId, onTask, signal);
  for (;;) {
    const task = (await api.json(`/v1/tasks/${encodeURIComponent(taskId)}`, { signal })).data;
    onTask(task, "status");
    if (FINISHED.has(task.status)) return task;
    await sleep(POLL_MS);
  }
}
