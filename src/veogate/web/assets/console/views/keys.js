// #/keys: customers' API keys: create (the secret is shown once), list, revoke.

import { admin, api, query } from "../api.js";
import { badge, credits, field, h, table, values, when } from "../dom.js";
import { pager } from "./pager.js";

export const NAME = "keys";

export async function render(_route, ctx) {
  const created = h("div", { class: "secret", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "card inline", "aria-label": "Create a key" },
    field("Name", h("input", { name: "name", required: true, maxlength: 200 })),
    field("Opening credits", h("input", { name: "credits", type: "number", min: 0, step: "any" }), "Empty: unmetered"),
    h("button", { type: "submit" }, "Create key"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const given = values(form);
    const body = { name: given.name };
    if (given.credits !== "") body.credits = Number(given.credits);
    try {
      const made = await api("POST", admin("/keys"), body);
      created.replaceChildren(
        h("p", {}, `Key “${made.key.name}” created (${made.key.id}). Its secret is shown this once:`),
        h("output", { class: "token", "aria-label": "New key secret" }, made.secret),
      );
      ctx.say(`Created key ${made.key.name}`);
      list.reload();
    } catch (error) {
      ctx.fail(error);
    }
  });

  const list = pager("Keys", async (cursor) => {
    const page = await api("GET", admin(`/keys${query({ limit: 50, cursor })}`));
    return { rows: page.data, next: page.next_cursor };
  }, (rows) => table("Keys", columns(ctx), rows));

  await list.reload();
  return h("section", { "aria-labelledby": "keys-title" }, h("h1", { id: "keys-title" }, "Keys"), form, created, list.node);
}

function columns(ctx) {
  return [
    ["Name", (k) => h("a", { href: `#/keys/${k.id}` }, k.name)],
    ["Id", (k) => h("code", {}, k.id)],
    ["Prefix", (k) => h("code", {}, k.prefix)],
    ["State", (k) => badge(k.state)],
    ["Metered", (k) => (k.metered ? "yes" : "no")],
    ["Balance", (k) => credits(k.balance)],
    ["Created", (k) => when(k.created_at)],
    [
      "Actions",
      (k) =>
        h(
          "div",
          { class: "actions" },
          h("a", { href: `#/keys/${k.id}` }, "Balance & limits"),
          h("a", { href: `#/jobs?key=${k.id}` }, "Jobs"),
          k.state === "active" &&
            h(
              "button",
              {
                type: "button",
                class: "danger",
                "aria-label": `Revoke ${k.name}`,
                onclick: ctx.act("POST", `/keys/${k.id}/revoke`, `Revoked key ${k.name}`),
              },
              "Revoke",
            ),
        ),
    ],
  ];
}
