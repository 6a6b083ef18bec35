// Small helpers to build the console's DOM without innerHTML (and without style attributes:
// the page's policy forbids them).

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "class") node.className = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  append(node, children);
  return node;
}

// Children may be nodes, text, arrays of them, or nothing (undefined, null, false).
function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
}

// A table with a caption: columns are [heading, row => cell content].
export function table(caption, columns, rows, empty = "Nothing yet.") {
  if (rows.length === 0) return h("p", { class: "empty" }, `${caption}: ${empty}`);
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      {},
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, columns.map(([heading]) => h("th", { scope: "col" }, heading)))),
      h("tbody", {}, rows.map((row) => h("tr", {}, columns.map(([, cell]) => h("td", {}, cell(row)))))),
    ),
  );
}

// A labelled form control; `control` is an <input>, <select> or <textarea>.
export function field(label, control, hint) {
  control.id ||= `f-${label.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-${++field.count}`;
  return h("div", { class: "field" }, h("label", { for: control.id }, label), control, hint && h("small", {}, hint));
}
field.count = 0;

export function when(value) {
  return value ? new Date(value).toLocaleString() : "—";
}

export function credits(value) {
  return value === null || value === undefined ? "—" : Number(value).toFixed(2);
}

export function badge(state) {
  return h("span", { class: `badge badge-${state}` }, state);
}

// Read a form's named controls as strings (checkboxes as booleans).
export function values(form) {
  const out = {};
  for (const control of form.elements) {
    if (!control.name) continue;
    out[control.name] = control.type === "checkbox" ? control.checked : control.value.trim();
  }
  return out;
}
