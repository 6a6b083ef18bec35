// The playground: see docs/playground.md.

import { Api, ApiError } from "../common/api.js";
import { dialectRequest } from "./bodies.js";
import { curlCommand } from "./curl.js";
import { FINISHED, follow } from "./follow.js";
import { applyRules, fillChoices, readState } from "./form.js";
import { showRecentJobs } from "./jobs.js";
import { showProgress, showTask } from "./results.js";

const $ = (id) => document.getElementById(id);
const KEY_STORAGE = "veogate.playground.key";
const catalog = JSON.parse($("playground").dataset.catalog);
// The form offers the canonical models by their OpenAI names (every image mode) and submits
// through that dialect; the other dialects are spelled for "copy as curl".
const SUBMIT_DIALECT = "openai";
const models = catalog.models.filter((model) => model.dialect === SUBMIT_DIALECT);

let api = null;
let following = null;
let runningJob = null;

function currentModel() {
  return models.find((model) => model.name === $("model").value);
}

function refreshCurl() {
  const dialect = $("curl-dialect").value;
  const { command, gaps } = curlCommand(dialect, readState(), catalog, location.origin);
  $("curl-command").value = command ?? "";
  $("curl-notes").replaceChildren(
    ...gaps.map((gap) => {
      const item = document.createElement("li");
      item.textContent = `Not expressible here, left out: ${gap}`;
      return item;
    }),
  );
}

function refreshForm() {
  const model = currentModel();
  if (model) applyRules(model, catalog.rules);
  refreshCurl();
}

function showError(error) {
  for (const field of document.querySelectorAll("[aria-invalid]")) {
    field.removeAttribute("aria-invalid");
  }
  const known = error instanceof ApiError;
  $("form-error").textContent = error ? (known ? error.describe() : String(error)) : "";
  // `reference_images[1]`, `input_reference.image_url`: the field is the leading name.
  const field = known && error.param ? /^[a-z_]+/i.exec(error.param)?.[0] : null;
  const named = field ? document.querySelector(`[name="${CSS.escape(field)}"]`) : null;
  if (named) named.setAttribute("aria-invalid", "true");
}

function openJobs() {
  showRecentJobs(api, openJob).catch((error) => showError(error));
}

/** Follow a job in the progress panel (only one at a time), with Cancel offered meanwhile. */
async function watch(jobId) {
  following?.abort();
  const controller = new AbortController();
  following = controller;
  runningJob = jobId;
  $("results").replaceChildren();
  $("cancel").hidden = false;
  $("cancel").disabled = false;
  try {
    const onProgress = (status, progress) => showProgress(jobId, status, progress);
    const task = await follow(api, jobId, onProgress, controller.signal);
    showTask(jobId, task);
    openJobs();
  } catch (error) {
    if (!controller.signal.aborted) showError(error);
  } finally {
    if (following === controller) {
      $("cancel").hidden = true;
      runningJob = null;
    }
  }
}

/** Cancel the job being followed; its stream then ends with the cancellation. */
async function cancel() {
  $("cancel").disabled = true;
  try {
    await api.json(`/v1/tasks/${encodeURIComponent(runningJob)}/cancel`, { method: "POST" });
  } catch (error) {
    showError(error);
    $("cancel").disabled = false;
  }
}

async function openJob(id) {
  const task = (await api.json(`/v1/tasks/${encodeURIComponent(id)}`)).data;
  showProgress(id, task.status, task.progress ?? 0);
  if (FINISHED.has(task.status)) {
    following?.abort();
    showTask(id, task);
  } else {
    watch(id);
  }
}

async function submit(event) {
  event.preventDefault();
  showError(null);
  const state = readState();
  if (!state.prompt.trim()) {
    showError(new ApiError(400, "prompt is required", "missing_parameter", "prompt"));
    return;
  }
  $("submit").disabled = true;
  try {
    const request = dialectRequest(SUBMIT_DIALECT, state, catalog);
    const video = await api.postJson(request.path, request.body);
    $("progress").value = 0;
    $("job-status").textContent = `${video.id}: submitted`;
    watch(video.id);
  } catch (error) {
    showError(error);
  } finally {
    $("submit").disabled = false;
  }
}

/** Upload the chosen files; each URL goes where `place(url)` puts it. */
async function upload(input, place) {
  const files = [...input.files];
  for (const file of files) {
    $("upload-status").textContent = `Uploading ${file.name}…`;
    const form = new FormData();
    form.append("file", file);
    try {
      const answer = await api.json("/v1/uploads/images", { method: "POST", body: form });
      place(answer.url);
      $("upload-status").textContent = `Uploaded ${file.name} (${answer.width}×${answer.height}).`;
    } catch (error) {
      const why = error instanceof ApiError ? error.describe() : error;
      $("upload-status").textContent = `${file.name}: ${why}`;
    }
  }
  input.value = "";
  refreshCurl();
}

async function useKey(key) {
  const candidate = new Api(key);
  $("key-status").textContent = "Checking the key…";
  try {
    await candidate.json("/v1/models");
  } catch (error) {
    const why = error instanceof ApiError && error.status === 401
      ? `This key was refused (401: ${error.message}). Check it, or paste another.`
      : `Could not check the key: ${error instanceof ApiError ? error.describe() : error}`;
    $("key-status").textContent = why;
    $("key-status").dataset.state = "refused";
    $("workspace").hidden = true;
    return;
  }
  api = candidate;
  localStorage.setItem(KEY_STORAGE, key);
  $("key-status").textContent = `Key accepted (${key.slice(0, 6)}…), kept in this browser.`;
  $("key-status").dataset.state = "accepted";
  $("api-key").value = "";
  $("forget-key").hidden = false;
  $("workspace").hidden = false;
  fillChoices(models, catalog);
  refreshForm();
  openJobs();
}

function forgetKey() {
  following?.abort();
  localStorage.removeItem(KEY_STORAGE);
  api = null;
  $("workspace").hidden = true;
  $("forget-key").hidden = true;
  $("key-status").textContent = "Key forgotten: this browser no longer keeps it.";
  $("key-status").dataset.state = "forgotten";
}

async function copyCurl() {
  const command = $("curl-command");
  try {
    await navigator.clipboard.writeText(command.value);
    $("copy-status").textContent = "Copied. Set VEOGATE_API_KEY in your shell to run it.";
  } catch {
    command.select();
    $("copy-status").textContent =
      "The clipboard is not available here: the command is selected, copy it with Ctrl+C.";
  }
}

$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  useKey($("api-key").value.trim());
});
$("forget-key").addEventListener("click", forgetKey);
$("generate-form").addEventListener("submit", submit);
$("generate-form").addEventListener("change", refreshForm);
$("generate-form").addEventListener("input", refreshCurl);
$("curl-dialect").addEventListener("change", refreshCurl);
$("copy-curl").addEventListener("click", copyCurl);
$("refresh-jobs").addEventListener("click", openJobs);
$("cancel").addEventListener("click", cancel);
for (const slot of ["first", "last"]) {
  $(`${slot}-file`).addEventListener("change", (event) =>
    upload(event.target, (url) => {
      $(`${slot}-url`).value = url;
    }),
  );
}
$("reference-files").addEventListener("change", (event) =>
  upload(event.target, (url) => {
    const urls = $("reference-urls");
    urls.value = urls.value.trim() ? `${urls.value.trim()}\n${url}` : url;
  }),
);

const kept = localStorage.getItem(KEY_STORAGE);
if (kept) {
  $("forget-key").hidden = false;
  useKey(kept);
}
