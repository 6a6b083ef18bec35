// The generate form: its state, and the catalog's rules applied to its controls (an option
// that cannot be chosen is disabled, with the reason beside it).

import {
  IMAGE_MODES,
  aspectRatioReason,
  durationReason,
  modeReason,
  priceEstimate,
  resolutionReason,
} from "./rules.js";

const $ = (id) => document.getElementById(id);

/** The references typed or uploaded, one per line. */
function referenceList() {
  return $("reference-urls")
    .value.split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/** What the form asks for, whatever the model (the rules decide what is sent). */
export function readState() {
  const seed = $("seed").value.trim();
  const mode = $("image-mode").value;
  return {
    model: $("model").value,
    prompt: $("prompt").value,
    negative_prompt: $("negative-prompt").value,
    duration: Number($("duration").value),
    aspect_ratio: $("aspect-ratio").value,
    resolution: $("resolution").value,
    samples: Number($("samples").value),
    seed: seed === "" ? null : Number(seed),
    audio: $("audio").checked,
    mode,
    first: mode === "first" || mode === "first+last" ? $("first-url").value.trim() : "",
    last: mode === "first+last" ? $("last-url").value.trim() : "",
    references: mode === "reference" ? referenceList() : [],
  };
}

function setOptions(select, values, label) {
  const kept = select.value;
  select.replaceChildren(
    ...values.map((value) => {
      const option = document.createElement("option");
      option.value = String(value);
      option.dataset.label = label(value);
      option.textContent = option.dataset.label;
      return option;
    }),
  );
  if (values.map(String).includes(kept)) {
    select.value = kept;
  }
}

/** Fill the selects: `models` (catalog models) and the catalog's other choices. */
export function fillChoices(models, catalog) {
  setOptions($("model"), models.map((model) => model.name), (name) => name);
  const durations = [...new Set(catalog.models.flatMap((model) => model.durations))];
  setOptions($("duration"), durations.sort((a, b) => a - b), (d) => `${d} s`);
  $("duration").value = String(Math.max(...durations));
  setOptions($("aspect-ratio"), catalog.rules.aspect_ratios, (a) => a);
  setOptions($("resolution"), Object.keys(catalog.geometry), (r) => r);
  setOptions($("image-mode"), Object.keys(IMAGE_MODES), (m) => IMAGE_MODES[m]);
}

/** Disable the options `reason` refuses, naming why in the option and in the note; when the
 * chosen option is refused, choose the first allowed one. Returns whether the choice moved. */
function judge(select, note, reason) {
  const refused = [];
  for (const option of select.options) {
    const why = reason(option.value);
    option.disabled = why !== null;
    option.textContent = why === null ? option.dataset.label : `${option.dataset.label} (${why})`;
    if (why !== null) {
      refused.push(`${option.dataset.label}: ${why}.`);
    }
  }
  note.textContent = refused.join(" ");
  const chosen = select.selectedOptions[0];
  if (chosen && chosen.disabled) {
    const allowed = [...select.options].find((option) => !option.disabled);
    if (allowed) {
      select.value = allowed.value;
      return true;
    }
  }
  return false;
}

/** Apply the rules of `model` to every control; a choice moved by one rule can refuse
 * another, so this runs until nothing moves. */
export function applyRules(model, rules) {
  for (let round = 0; round < 4; round += 1) {
    const state = readState();
    const moved = [
      judge($("resolution"), $("resolution-note"), (r) => resolutionReason(model, rules, state, r)),
      judge($("duration"), $("duration-note"), (d) =>
        durationReason(model, rules, state, Number(d)),
      ),
      judge($("aspect-ratio"), $("aspect-ratio-note"), (a) =>
        aspectRatioReason(model, rules, state, a),
      ),
      judge($("image-mode"), $("image-mode-note"), (m) => modeReason(model, rules, state, m)),
    ];
    if (!moved.includes(true)) {
      break;
    }
  }
  const audio = $("audio");
  audio.disabled = model.audio === "on";
  if (audio.disabled) {
    audio.checked = true;
  }
  $("audio-note").textContent = audio.disabled ? `${model.name} always has audio.` : "";
  const mode = $("image-mode").value;
  $("first-frame").hidden = !(mode === "first" || mode === "first+last");
  $("last-frame").hidden = mode !== "first+last";
  $("reference-images").hidden = mode !== "reference";
  const price = priceEstimate(model, readState());
  $("price").textContent =
    price === null ? "" : `Estimated price: ${price.toFixed(2)} credits (reserved on submit).`;
}
