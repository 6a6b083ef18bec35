// A list drawn page by page: "More" asks for the page after the last one shown.

import { h } from "../dom.js";

// `load(cursor)` answers {rows, next}; `draw(rows)` makes the node for every row so far.
export function pager(label, load, draw) {
  const node = h("div", { class: "pager" });
  let rows = [];
  let next = null;

  async function fetchMore(cursor) {
    const page = await load(cursor);
    rows = cursor === undefined ? page.rows : rows.concat(page.rows);
    next = page.next;
    const more = next
      ? h("button", { type: "button", class: "quiet", onclick: () => fetchMore(next) }, `More ${label.toLowerCase()}`)
      : null;
    node.replaceChildren(draw(rows), more ?? "");
  }

  return { node, reload: () => fetchMore(undefined) };
}
