// Server-sent events over fetch(): EventSource cannot send an Authorization header.

import { errorFromResponse } from "./api.js";

/** Split a text stream into server-sent events (the WHATWG parsing rules: `field: value`
 * lines, a blank line ends an event, `:` starts a comment). */
export class EventParser {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buffer = "";
    this.lastEventId = null;
    this.reset();
  }

  reset() {
    this.type = "message";
    this.data = [];
    this.id = null;
  }

  push(text) {
    this.buffer += text;
    const lines = this.buffer.split("\n");
    this.buffer = lines.pop();
    for (const line of lines) {
      this.line(line.endsWith("\r") ? line.slice(0, -1) : line);
    }
  }

  line(line) {
    if (line === "") {
      this.dispatch();
      return;
    }
    if (line.startsWith(":")) {
      return;
    }
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) {
      value = value.slice(1);
    }
    if (field === "event") {
      this.type = value;
    } else if (field === "data") {
      this.data.push(value);
    } else if (field === "id") {
      this.id = value;
    }
  }

  dispatch() {
    if (this.id !== null) {
      this.lastEventId = this.id;
    }
    if (this.data.length > 0) {
      this.onEvent({ type: this.type, id: this.lastEventId, data: this.data.join("\n") });
    }
    this.reset();
  }
}

/** Read one event stream until the server closes it. Resolves to the last event id seen (to
 * resume from); a `204` (nothing more will come) resolves to the id it was given. Errors
 * before the stream starts are thrown as ApiError. */
export async function readEvents(url, { headers, lastEventId = null, onEvent, signal }) {
  const sent = { ...headers, Accept: "text/event-stream" };
  if (lastEventId) {
    sent["Last-Event-ID"] = lastEventId;
  }
  const response = await fetch(url, { headers: sent, signal, cache: "no-store" });
  if (response.status === 204) {
    return lastEventId;
  }
  if (!response.ok) {
    throw await errorFromResponse(response);
  }
  const parser = new EventParser(onEvent);
  parser.lastEventId = lastEventId;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      return parser.lastEventId;
    }
    parser.push(value);
  }
}
