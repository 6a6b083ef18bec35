// The admin API through the session cookie: every write carries the page's CSRF token.

const csrf = document.querySelector('meta[name="csrf-token"]').content;

export class ApiError extends Error {
  constructor(status, body) {
    const error = body?.error ?? {};
    super(error.message ?? `request failed (${status})`);
    this.status = status;
    this.code = error.code;
    this.param = error.param;
  }
}

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
  if (!answer.ok) throw new ApiError(answer.status, parsed);
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
