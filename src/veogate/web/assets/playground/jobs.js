// The key's recent jobs (OpenAI's list, which shows every dialect's jobs of the key), each
// with its status and a thumbnail fetched with the key.

const $ = (id) => document.getElementById(id);
const LIMIT = 12;

let shownThumbnails = [];

function entry(api, video, onOpen) {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "job";
  button.dataset.id = video.id;
  // OpenAI's list says "failed" for a cancelled video too; its error code tells them apart.
  const status = video.error?.code === "cancelled" ? "cancelled" : video.status;
  button.dataset.status = status;
  const picture = document.createElement("img");
  picture.alt = "";
  picture.width = 96;
  picture.height = 54;
  const text = document.createElement("span");
  const prompt = video.prompt.length > 60 ? `${video.prompt.slice(0, 60)}…` : video.prompt;
  text.textContent = `${prompt} · ${video.model} · ${video.seconds} s · ${video.size} · ${status}`;
  button.append(picture, text);
  button.setAttribute("aria-label", `Show job ${video.id}: ${text.textContent}`);
  button.addEventListener("click", () => onOpen(video.id));
  item.append(button);
  if (video.status === "completed") {
    api
      .objectUrl(`/v1/videos/${encodeURIComponent(video.id)}/content?variant=thumbnail`)
      .then((url) => {
        shownThumbnails.push(url);
        picture.src = url;
        picture.alt = `Thumbnail of ${video.id}`;
      })
      .catch(() => picture.classList.add("missing"));
  } else {
    picture.classList.add("missing");
  }
  return item;
}

/** Show the key's latest jobs; `onOpen(id)` is called with the one clicked. */
export async function showRecentJobs(api, onOpen) {
  const list = await api.json(`/v1/videos?limit=${LIMIT}&order=desc`);
  for (const url of shownThumbnails) URL.revokeObjectURL(url);
  shownThumbnails = [];
  const items = list.data.map((video) => entry(api, video, onOpen));
  if (!items.length) {
    const none = document.createElement("li");
    none.className = "muted";
    none.textContent = "No jobs yet.";
    items.push(none);
  }
  $("jobs").replaceChildren(...items);
}
