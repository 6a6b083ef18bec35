// #/sessions: console sessions in force; end any of them (ending this one signs out).

import { admin, api } from "../api.js";
import { h, table, when } from "../dom.js";

export const NAME = "sessions";

export async function render(_route, ctx) {
  const sessions = await api("GET", admin("/console-sessions"));
  const columns = [
    ["Session", (s) => [h("code", {}, s.id), s.current ? " (this one)" : ""]],
    ["Admin key", (s) => `${s.admin_key_name} (${s.admin_key})`],
    ["Signed in", (s) => when(s.created_at)],
    ["Last seen", (s) => when(s.last_seen_at)],
    ["Expires", (s) => when(s.expires_at)],
    [
      "Actions",
      (s) =>
        h(
          "button",
          {
            type: "button",
            class: "danger",
            onclick: ctx.act("POST", `/console-sessions/${s.id}/revoke`, `Ended session ${s.id}`),
          },
          "End",
        ),
    ],
  ];
  return h(
    "section",
    { "aria-labelledby": "sessions-title" },
    h("h1", { id: "sessions-title" }, "Console sessions"),
    table("Sessions", columns, sessions.data),
  );
}
