// The console: hash routes (#/keys, #/jobs/ID...) drawn by one view module each, on the admin
// API through the session cookie. See docs/console.md.

import { admin, api, signOut } from "./api.js";
import { h } from "./dom.js";
import * as account from "./views/account.js";
import * as job from "./views/job.js";
import * as jobs from "./views/jobs.js";
import * as keys from "./views/keys.js";
import * as providers from "./views/providers.js";
import * as sessions from "./views/sessions.js";
import * as usage from "./views/usage.js";
import * as webhooks from "./views/webhooks.js";

const ROUTES = [
  [/^\/keys$/, keys],
  [/^\/keys\/([^/]+)$/, account],
  [/^\/jobs$/, jobs],
  [/^\/jobs\/([^/]+)$/, job],
  [/^\/usage$/, usage],
  [/^\/webhooks$/, webhooks],
  [/^\/providers$/, providers],
  [/^\/sessions$/, sessions],
];

const view = document.getElementById("view");
const status = document.getElementById("status");

// What every view is given: where to draw, how to report, and how to draw itself again.
const ctx = {
  say(message) {
    status.textContent = message;
    status.classList.remove("error");
  },
  fail(error) {
    const where = error.param ? ` (field: ${error.param})` : "";
    status.textContent = `${error.message}${where}`;
    status.classList.add("error");
  },
  go(hash) {
    if (window.location.hash === hash) show();
    else window.location.hash = hash;
  },
  refresh: () => show(),
  // A click handler that sends one admin API write, says `done`, and draws the view again.
  act(method, path, done) {
    return async () => {
      try {
        await api(method, admin(path));
        ctx.say(done);
        await show();
      } catch (error) {
        ctx.fail(error);
      }
    };
  },
};

function parse(hash) {
  const [path, search = ""] = hash.replace(/^#/, "").split("?");
  return { path: path || "/keys", params: new URLSearchParams(search) };
}

async function show() {
  const { path, params } = parse(window.location.hash);
  for (const link of document.querySelectorAll("nav a")) {
    const here = path.startsWith(link.getAttribute("href").slice(1));
    if (here) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  for (const [pattern, module] of ROUTES) {
    const match = pattern.exec(path);
    if (!match) continue;
    view.replaceChildren(h("p", { class: "loading" }, "Loading…"));
    try {
      view.replaceChildren(await module.render({ id: match[1] && decodeURIComponent(match[1]), params }, ctx));
      view.dataset.view = module.NAME;
    } catch (error) {
      view.replaceChildren(h("p", { class: "empty" }, "This page could not be loaded."));
      ctx.fail(error);
    }
    return;
  }
  ctx.go("#/keys");
}

document.getElementById("sign-out").addEventListener("click", () => signOut().catch(ctx.fail));
window.addEventListener("hashchange", () => {
  ctx.say("");
  show();
});
show();
