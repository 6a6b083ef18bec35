// The admin API through the session cookie: every write carries the page's CSRF token.

import { errorFromBody } from "../common/api.js";

const csrf = document.querySelector('meta[name="csrf-token"]').content;

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const answer = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  if (answer.status === 401) {
    window.location.assign("/console"); // the session ended: back to the sign-in page
  }
  if (answer.status === 204) return null;
  const parsed = await answer.json().catch(() => null);
  if (!answer.ok) throw errorFromBody(answer.status, parsed);
  return parsed;
}

export const admin = (path) => `/admin/v1${path}`;

export function query(params) {
  const given = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "");
  return given.length ? "?" + new URLSearchParams(given).toString() : "";
}

export async function signOut() {
  await api("DELETE", "/console/session");
  window.location.assign("/console");
}
