// The form's state as each dialect's create request: its path, headers, body, and what the
// dialect cannot say (named, never dropped silently). The form speaks of the canonical models
// (the OpenAI dialect's names); each dialect spells the same canonical model its own way.

import { stateReason } from "./rules.js";

function present(value) {
  return value !== null && value !== "" && value !== undefined;
}

function apimartBody(state, model) {
  const body = {
    model,
    prompt: state.prompt,
    duration: state.duration,
    aspect_ratio: state.aspect_ratio,
    resolution: state.resolution,
    sample_count: state.samples,
    generate_audio: state.audio,
  };
  if (state.negative_prompt.trim()) body.negative_prompt = state.negative_prompt;
  if (present(state.seed)) body.seed = state.seed;
  if (state.first) body.first_frame_image = state.first;
  if (state.last) body.last_frame_image = state.last;
  if (state.references.length) {
    body.image_with_roles = state.references.map((url) => ({ url, role: "reference" }));
  }
  return body;
}

/** OpenAI's `POST /v1/videos` body: the one the playground submits. */
function openaiBody(state, model, catalog) {
  const [width, height] = catalog.geometry[state.resolution][state.aspect_ratio];
  const body = {
    model,
    prompt: state.prompt,
    seconds: String(state.duration),
    size: `${width}x${height}`,
    n: state.samples,
    generate_audio: state.audio,
  };
  if (state.negative_prompt.trim()) body.negative_prompt = state.negative_prompt;
  if (present(state.seed)) body.seed = state.seed;
  if (state.first) body.input_reference = { image_url: state.first };
  if (state.last) body.last_frame = { image_url: state.last };
  if (state.references.length) {
    body.reference_images = state.references.map((image_url) => ({ image_url }));
  }
  return body;
}

function kyyBody(state, model) {
  const body = {
    model,
    prompt: state.prompt,
    resolution: state.resolution,
    aspect_ratio: state.aspect_ratio,
  };
  if (state.first) body.first_image = state.first;
  if (state.last) body.last_image = state.last;
  if (state.references.length) body.input_reference = state.references;
  return body;
}

function kyyGaps(state, model) {
  const gaps = [];
  if (!model.durations.includes(state.duration)) {
    gaps.push(`duration ${state.duration} s: kyy videos are ${model.durations.join(" or ")} s`);
  }
  if (state.negative_prompt.trim()) gaps.push("negative prompt: kyy has no such field");
  if (present(state.seed)) gaps.push("seed: kyy has no such field");
  if (state.samples > 1) gaps.push("samples: kyy makes one video per request");
  if (!state.audio && model.audio === "on") gaps.push("audio off: kyy videos always have audio");
  return gaps;
}

/** A Google image object: inline bytes for a data: URI, else the URL. */
function googleImage(reference) {
  const inline = /^data:(image\/[a-z]+);base64,(.*)$/i.exec(reference);
  return inline ? { bytesBase64Encoded: inline[2], mimeType: inline[1] } : { uri: reference };
}

function geminiBody(state) {
  const instance = { prompt: state.prompt };
  if (state.first) instance.image = googleImage(state.first);
  if (state.last) instance.lastFrame = googleImage(state.last);
  if (state.references.length) {
    instance.referenceImages = state.references.map((reference) => ({
      image: googleImage(reference),
      referenceType: "asset",
    }));
  }
  const parameters = {
    aspectRatio: state.aspect_ratio,
    resolution: state.resolution,
    durationSeconds: state.duration,
    sampleCount: state.samples,
    generateAudio: state.audio,
  };
  if (state.negative_prompt.trim()) parameters.negativePrompt = state.negative_prompt;
  if (present(state.seed)) parameters.seed = state.seed;
  return { instances: [instance], parameters };
}

/** The model of `dialect` for the same canonical model that takes the form as it is (or, if
 * none does, the first of that canonical model), with the reason none takes it. */
function dialectModel(catalog, dialect, canonical, state) {
  const candidates = catalog.models.filter(
    (model) => model.dialect === dialect && model.canonical === canonical,
  );
  const fitting = candidates.find((model) => stateReason(model, catalog.rules, state) === null);
  if (fitting) return { model: fitting, gap: null };
  if (!candidates.length) return { model: null, gap: `${dialect} has no model of ${canonical}` };
  const model = candidates[0];
  return { model, gap: `${dialect}: ${stateReason(model, catalog.rules, state)}` };
}

const KEY_HEADER = "Authorization: Bearer $VEOGATE_API_KEY";

/** The request of `dialect` for `state`: `{path, headers, body, gaps}`, or `{gaps}` alone
 * when the dialect has no model of the form's canonical model. Reference images go only to
 * a model that takes them (the gap says so otherwise). */
export function dialectRequest(dialect, state, catalog) {
  const chosen = catalog.models.find((model) => model.name === state.model);
  const { model, gap } = dialectModel(catalog, dialect, chosen.canonical, state);
  if (model === null) return { gaps: [gap] };
  const gaps = gap === null ? [] : [gap];
  const sent = model.max_reference_images === 0 ? { ...state, references: [] } : state;
  if (dialect === "apimart") {
    const body = apimartBody(sent, model.name);
    return { path: "/v1/videos/generations", headers: [KEY_HEADER], body, gaps };
  }
  if (dialect === "openai") {
    const body = openaiBody(sent, model.name, catalog);
    return { path: "/v1/videos", headers: [KEY_HEADER], body, gaps };
  }
  if (dialect === "kyy") {
    const body = kyyBody(sent, model.name);
    const kyyGapList = [...gaps, ...kyyGaps(sent, model)];
    return { path: "/v1/veo/videos", headers: [KEY_HEADER], body, gaps: kyyGapList };
  }
  return {
    path: `/v1beta/models/${model.name}:predictLongRunning`,
    headers: ["x-goog-api-key: $VEOGATE_API_KEY"],
    body: geminiBody(sent),
    gaps,
  };
}
