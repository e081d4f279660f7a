// Small inline SVG charts: one point per request over a time window, drawn without any library.

const svgNamespace = "http://www.w3.org/2000/svg";
const padding = 5;

/**
 * Draws `points` ({ atMs, value }) into `svg` between `fromMs` and `toMs`, from 0 to `maxValue` (the largest
 * value when omitted), and describes them in its accessible label.
 */
export function drawChart(svg, { points, fromMs, toMs, maxValue, label, format }) {
  const top = maxValue ?? Math.max(...points.map((point) => point.value), 0);
  // Drawn at the size it is shown, so that dots stay round on any width.
  const box = { width: Math.max(100, Math.round(svg.clientWidth || 300)), height: Math.max(40, Math.round(svg.clientHeight || 80)) };
  svg.setAttribute("viewBox", `0 0 ${box.width} ${box.height}`);
  const xOf = (atMs) => padding + (Math.min(Math.max(atMs - fromMs, 0), Math.max(1, toMs - fromMs)) / Math.max(1, toMs - fromMs)) * (box.width - 2 * padding);
  const yOf = (value) => box.height - padding - (top > 0 ? value / top : 0) * (box.height - 2 * padding);
  svg.replaceChildren();
  for (const fraction of [0, 0.5, 1]) {
    const y = yOf(fraction * top);
    svg.append(element("line", { class: "grid", x1: 0, x2: box.width, y1: y, y2: y }));
  }
  const sorted = [...points].sort((first, second) => first.atMs - second.atMs);
  const coordinates = sorted.map((point) => [xOf(point.atMs), yOf(point.value)]);
  if (coordinates.length > 1) {
    svg.append(element("polyline", { class: "line", points: coordinates.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ") }));
  }
  for (const [x, y] of coordinates) svg.append(element("circle", { class: "dot", cx: x, cy: y, r: 2.5 }));
  svg.setAttribute("aria-label", describe(label, sorted, top, format));
  return top;
}

function describe(label, sorted, top, format) {
  if (sorted.length === 0) return `${label}: no requests yet`;
  const latest = sorted.at(-1).value;
  const values = sorted.map((point) => point.value).sort((first, second) => first - second);
  const median = values[Math.floor(values.length / 2)];
  return `${label}: ${sorted.length} requests, latest ${format(latest)}, median ${format(median)}, highest ${format(top)}`;
}

function element(name, attributes) {
  const node = document.createElementNS(svgNamespace, name);
  for (const [attribute, value] of Object.entries(attributes)) node.setAttribute(attribute, String(value));
  return node;
}
