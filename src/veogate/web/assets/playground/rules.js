// The catalog's rules as the form applies them: why an option cannot be chosen, or null.
// `model` is a catalog model (resolutions, durations, image_modes, max_reference_images,
// audio); `rules` the catalog's cross-rules; `state` the form's current choices.

export const IMAGE_MODES = {
  text: "Text only",
  first: "First frame",
  "first+last": "First and last frames",
  reference: "Reference images",
};

function needs(list, unit = "") {
  return list.map((item) => `${item}${unit}`).join(" or ");
}

export function resolutionReason(model, rules, state, resolution) {
  if (!model.resolutions.includes(resolution)) {
    return `${model.name ?? model.id} does not offer ${resolution}`;
  }
  for (const rule of rules.resolution_durations) {
    if (rule.resolutions.includes(resolution) && !rule.durations.includes(state.duration)) {
      return `${resolution} needs a duration of ${needs(rule.durations, " s")}`;
    }
  }
  return null;
}

export function durationReason(model, rules, state, duration) {
  if (!model.durations.includes(duration)) {
    return `${model.name ?? model.id} does not offer ${duration} s`;
  }
  for (const rule of rules.resolution_durations) {
    if (rule.resolutions.includes(state.resolution) && !rule.durations.includes(duration)) {
      return `${state.resolution} needs ${needs(rule.durations, " s")}`;
    }
  }
  if (state.mode === "reference" && !rules.reference_mode.durations.includes(duration)) {
    return `reference images need ${needs(rules.reference_mode.durations, " s")}`;
  }
  return null;
}

export function aspectRatioReason(model, rules, state, aspectRatio) {
  if (!rules.aspect_ratios.includes(aspectRatio)) {
    return `${aspectRatio} is not an aspect ratio veogate offers`;
  }
  if (state.mode === "reference" && !rules.reference_mode.aspect_ratios.includes(aspectRatio)) {
    return `reference images need ${needs(rules.reference_mode.aspect_ratios)}`;
  }
  return null;
}

export function modeReason(model, rules, state, mode) {
  const name = model.name ?? model.id;
  if (mode === "reference") {
    if (!model.image_modes.includes("reference") || model.max_reference_images === 0) {
      return `${name} takes no reference images`;
    }
    const reference = rules.reference_mode;
    if (!reference.durations.includes(state.duration)) {
      return `reference images need ${needs(reference.durations, " s")}`;
    }
    if (!reference.aspect_ratios.includes(state.aspect_ratio)) {
      return `reference images need ${needs(reference.aspect_ratios)}`;
    }
    return null;
  }
  if (!model.image_modes.includes(mode)) {
    return `${name} does not take ${IMAGE_MODES[mode].toLowerCase()}`;
  }
  return null;
}

/** Why `state` as a whole cannot be sent to `model` (the first reason found), or null. */
export function stateReason(model, rules, state) {
  return (
    resolutionReason(model, rules, state, state.resolution) ??
    durationReason(model, rules, state, state.duration) ??
    aspectRatioReason(model, rules, state, state.aspect_ratio) ??
    modeReason(model, rules, state, state.mode) ??
    (state.references.length > model.max_reference_images && state.mode === "reference"
      ? `${model.name ?? model.id} takes at most ${model.max_reference_images} reference images`
      : null)
  );
}

/** The credits a job would reserve, from the model's pricing (null when it has none). */
export function priceEstimate(model, state) {
  const pricing = model.pricing;
  const perSecond = pricing?.per_second?.[state.resolution];
  if (perSecond === undefined) {
    return null;
  }
  const audio = state.audio ? pricing.audio_per_second ?? 0 : 0;
  return (perSecond + audio) * state.duration * state.samples;
}
