import { describeRatio, type FigureResult } from "./anchor-figures.js";

export interface ChartDetails {
  readonly title: string;
  /** One line under the title: model, threads, llama.cpp commit, runs, date. */
  readonly subtitle: string;
  readonly figures: readonly FigureResult[];
}

const width = 880;
const left = 16;
const barMaxWidth = 560;
const ratioColumn = 700;
const rowHeight = 66;
const top = 96;
const colors = { pensieve: "#4f46e5", llamaServer: "#a3a3a3", ahead: "#15803d", close: "#b45309", behind: "#b91c1c", text: "#1f2937", muted: "#6b7280" };

/**
 * Pensieve against llama-server, one row per figure: two bars scaled to the larger of the pair, their values,
 * and the ratio (green when Pensieve is ahead or within 5 %, amber within 20 %, red beyond). Plain SVG text, no
 * dependency, readable on GitHub.
 */
export function benchChart(details: ChartDetails): string {
  const height = top + details.figures.length * rowHeight + 36;
  const rows = details.figures.map((figure, index) => chartRow(figure, top + index * rowHeight));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="-apple-system, Segoe UI, Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    text(left, 30, details.title, { size: 20, weight: "bold" }),
    text(left, 52, details.subtitle, { size: 12, fill: colors.muted }),
    `<rect x="${left}" y="66" width="14" height="14" fill="${colors.pensieve}"/>`,
    text(left + 20, 78, "Pensieve", { size: 12 }),
    `<rect x="${left + 96}" y="66" width="14" height="14" fill="${colors.llamaServer}"/>`,
    text(left + 116, 78, "llama-server", { size: 12 }),
    text(ratioColumn, 78, "Pensieve / llama-server", { size: 12, fill: colors.muted }),
    ...rows,
    text(left, height - 14, "Same GGUF, template, threads, context and parallelism; runs alternated between the servers; medians.", { size: 11, fill: colors.muted }),
    "</svg>",
    "",
  ].join("\n");
}

function chartRow(figure: FigureResult, y: number): string {
  const largest = Math.max(figure.pensieve, figure.llamaServer, Number.MIN_VALUE);
  const bar = (value: number, barY: number, fill: string): string => {
    const barWidth = Math.max(1, Math.round((value / largest) * barMaxWidth));
    return [
      `<rect x="${left}" y="${barY}" width="${barWidth}" height="15" rx="2" fill="${fill}"/>`,
      text(left + barWidth + 6, barY + 12, `${figure.unit === "MB" ? value.toFixed(0) : formatValue(value)} ${figure.unit}`, { size: 11 }),
    ].join("\n");
  };
  const ratioColor = ratioFill(figure);
  return [
    `<text x="${left}" y="${y + 14}" font-size="13" font-weight="bold" fill="${colors.text}">${escapeXml(figure.label)} ` +
      `<tspan font-size="11" font-weight="normal" fill="${colors.muted}">(${figure.better} is better)</tspan></text>`,
    bar(figure.pensieve, y + 22, colors.pensieve),
    bar(figure.llamaServer, y + 40, colors.llamaServer),
    text(ratioColumn, y + 38, `×${Number.isFinite(figure.ratio) ? figure.ratio.toFixed(2) : "–"}`, { size: 20, weight: "bold", fill: ratioColor }),
    text(ratioColumn, y + 54, describeRatio(figure), { size: 11, fill: ratioColor }),
  ].join("\n");
}

function ratioFill(figure: FigureResult): string {
  if (!Number.isFinite(figure.ratio) || figure.ratio <= 0) return colors.muted;
  // How far behind Pensieve is, as a fraction: 0 when ahead.
  const behind = figure.better === "higher" ? 1 - figure.ratio : figure.ratio - 1;
  if (behind <= 0.05) return colors.ahead;
  return behind <= 0.2 ? colors.close : colors.behind;
}

function formatValue(value: number): string {
  if (!Number.isFinite(value)) return "–";
  if (Math.abs(value) >= 100) return value.toFixed(0);
  return Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function text(x: number, y: number, content: string, style: { size: number; weight?: string; fill?: string }): string {
  const weight = style.weight === undefined ? "" : ` font-weight="${style.weight}"`;
  return `<text x="${x.toFixed(0)}" y="${y}" font-size="${style.size}"${weight} fill="${style.fill ?? colors.text}">${escapeXml(content)}</text>`;
}

function escapeXml(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
