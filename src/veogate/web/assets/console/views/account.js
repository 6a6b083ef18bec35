// #/keys/ID: one key's balance, spend and limits; top-up, adjust, limits; its ledger.

import { admin, api, query } from "../api.js";
import { badge, credits, field, h, table, values, when } from "../dom.js";
import { pager } from "./pager.js";

export const NAME = "account";

const LIMITS = [
  ["daily_limit", "Daily limit (credits)"],
  ["monthly_limit", "Monthly limit (credits)"],
  ["max_active_jobs", "Max active jobs"],
  ["creates_per_minute", "Creates per minute"],
];

export async function render({ id }, ctx) {
  const key = await api("GET", admin(`/keys/${encodeURIComponent(id)}`));
  const base = admin(`/keys/${encodeURIComponent(id)}`);
  const summary = h("div", { "aria-live": "polite" });
  const ledger = pager("Entries", async (cursor) => {
    const page = await api("GET", `${base}/ledger${query({ limit: 50, cursor })}`);
    return { rows: page.data, next: page.next_cursor };
  }, (rows) => table("Ledger", LEDGER_COLUMNS, rows));

  async function redraw(account) {
    summary.replaceChildren(
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "Balance"), h("dd", { id: "balance" }, credits(account.balance)),
        h("dt", {}, "Metered"), h("dd", {}, account.metered ? "yes" : "no"),
        h("dt", {}, "Spent today"), h("dd", {}, credits(account.spent_today)),
        h("dt", {}, "Spent this month"), h("dd", {}, credits(account.spent_this_month)),
      ),
      limitsForm(account, base, ctx, redraw),
    );
    await ledger.reload();
  }

  const credit = (kind, label) => {
    const form = h(
      "form",
      { class: "card inline", "aria-label": label },
      field(`${label} amount`, h("input", { name: "amount", type: "number", step: "any", required: true })),
      field(`${label} note`, h("input", { name: "note", maxlength: 500 })),
      h("button", { type: "submit" }, label),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const given = values(form);
      try {
        const account = await api("POST", `${base}/${kind}`, { amount: Number(given.amount), note: given.note || null });
        ctx.say(`${label}: balance now ${credits(account.balance)}`);
        form.reset();
        await redraw(account);
      } catch (error) {
        ctx.fail(error);
      }
    });
    return form;
  };

  await redraw(await api("GET", `${base}/account`));
  return h(
    "section",
    { "aria-labelledby": "account-title" },
    h("h1", { id: "account-title" }, `Key ${key.name} `, badge(key.state)),
    h("p", {}, h("code", {}, key.id), " · ", h("a", { href: `#/jobs?key=${key.id}` }, "its jobs")),
    summary,
    h("div", { class: "row" }, credit("top-up", "Top up"), credit("adjust", "Adjust")),
    h("h2", {}, "Ledger"),
    ledger.node,
  );
}

function limitsForm(account, base, ctx, redraw) {
  const limits = account.limits;
  const form = h(
    "form",
    { class: "card limits", "aria-label": "Limits" },
    h("h2", {}, "Limits"),
    field("Metered", h("input", { name: "metered", type: "checkbox", checked: account.metered })),
    LIMITS.map(([name, label]) =>
      field(label, h("input", { name, type: "number", min: 0, step: "any", value: limits[name] ?? "" }), "Empty: no limit"),
    ),
    field(
      "Allowed models",
      h("input", { name: "allowed_models", value: (limits.allowed_models ?? []).join(", ") }),
      "Comma-separated public model names; empty: every model",
    ),
    h("button", { type: "submit" }, "Save limits"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const given = values(form);
    const body = { metered: given.metered };
    for (const [name] of LIMITS) body[name] = given[name] === "" ? null : Number(given[name]);
    const models = given.allowed_models.split(",").map((m) => m.trim()).filter(Boolean);
    body.allowed_models = models.length ? models : null;
    try {
      const changed = await api("PATCH", `${base}/limits`, body);
      ctx.say("Limits saved");
      await redraw(changed);
    } catch (error) {
      ctx.fail(error);
    }
  });
  return form;
}

const LEDGER_COLUMNS = [
  ["When", (e) => when(e.at)],
  ["Kind", (e) => e.kind],
  ["Amount", (e) => credits(e.amount)],
  ["Job", (e) => (e.job_id ? h("a", { href: `#/jobs/${e.job_id}` }, e.job_id) : "—")],
  ["Actor", (e) => e.actor],
  ["Note", (e) => e.detail?.note ?? ""],
];
