// Calling veogate's API from the browser with a customer key (Authorization: Bearer).

/** An error answer of the API, in any dialect's shape: its message, rule code and field. */
export class ApiError extends Error {
  constructor(status, message, code = null, param = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.param = param;
  }

  /** The message as a person reads it, naming the field when the server named one. */
  describe() {
    const field = this.param ? ` (field: ${this.param})` : "";
    return `${this.message}${field}`;
  }
}

/** The ApiError of an error body: apimart `{code, error: {message, code, param}}`, OpenAI and
 * the events API `{error: {message, code, param}}`, kyy `{error, code, param}`, Google
 * `{error: {code, message, status}}`. */
export function errorFromBody(status, body) {
  const error = body && typeof body === "object" ? body.error : null;
  if (error && typeof error === "object") {
    const code = typeof error.code === "string" ? error.code : error.status || null;
    return new ApiError(status, error.message || `HTTP ${status}`, code, error.param || null);
  }
  if (typeof error === "string") {
    return new ApiError(status, error, body.code || null, body.param || null);
  }
  return new ApiError(status, `HTTP ${status}`);
}

export async function errorFromResponse(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return errorFromBody(response.status, body);
}

/** A client bound to one key. */
export class Api {
  constructor(key) {
    this.key = key;
  }

  headers(extra = {}) {
    return { Authorization: `Bearer ${this.key}`, ...extra };
  }

  /** fetch() with the key; a non-2xx answer is thrown as an ApiError. */
  async request(path, options = {}) {
    const response = await fetch(path, { ...options, headers: this.headers(options.headers) });
    if (!response.ok) {
      throw await errorFromResponse(response);
    }
    return response;
  }

  async json(path, options = {}) {
    return (await this.request(path, options)).json();
  }

  async postJson(path, body) {
    return this.json(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  /** A blob: URL of what `path` answers (for images the page cannot fetch without the key). */
  async objectUrl(path) {
    const blob = await (await this.request(path)).blob();
    return URL.createObjectURL(blob);
  }
}
