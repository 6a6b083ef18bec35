// A bar chart as inline SVG: one labelled bar per [label, value] pair.

import { h, svg } from "../dom.js";

const WIDTH = 720;
const BAR_AREA = 180;
const LABEL_AREA = 60;

export function barChart(points, title) {
  if (points.length === 0) return h("p", { class: "empty" }, `${title}: no data.`);
  const top = Math.max(...points.map(([, value]) => value), 0) || 1;
  const slot = WIDTH / points.length;
  const stride = Math.ceil(points.length / 12); // at most a dozen labels under the bars
  const bars = points.map(([label, value], index) => {
    const height = Math.max((value / top) * BAR_AREA, value > 0 ? 1 : 0);
    const width = Math.min(slot * 0.7, 64);
    const x = index * slot + (slot - width) / 2;
    const middle = x + width / 2;
    return svg(
      "g",
      { class: "bar" },
      svg("title", {}, `${label}: ${value}`),
      svg("rect", { x, y: BAR_AREA - height + 16, width, height }),
      value > 0 && stride === 1 && svg("text", { x: middle, y: BAR_AREA - height + 12, "text-anchor": "middle", class: "value" }, formatted(value)),
      index % stride === 0 && svg("text", { x: middle, y: BAR_AREA + 34, "text-anchor": "middle", class: "label" }, shorten(label, slot * stride)),
    );
  });
  return svg(
    "svg",
    { class: "chart", viewBox: `0 0 ${WIDTH} ${BAR_AREA + LABEL_AREA}`, role: "img", "aria-label": title },
    svg("title", {}, title),
    svg("line", { x1: 0, x2: WIDTH, y1: BAR_AREA + 16, y2: BAR_AREA + 16, class: "axis" }),
    bars,
  );
}

function formatted(value) {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

function shorten(label, slot) {
  const room = Math.max(Math.floor(slot / 7), 4);
  const text = String(label ?? "all");
  return text.length > room ? `${text.slice(0, room - 1)}…` : text;
}
