// How numbers read on the page. Unknown values (null) read as a dash.

const dash = "—";
const units = ["B", "KiB", "MiB", "GiB", "TiB"];

export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return dash;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value >= 100 || unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function formatCount(count) {
  if (count === null || count === undefined) return dash;
  return Math.round(count).toLocaleString("en-US");
}

export function formatRate(perSecond) {
  if (perSecond === null || perSecond === undefined) return dash;
  return perSecond >= 100 ? Math.round(perSecond).toLocaleString("en-US") : perSecond.toFixed(1);
}

export function formatMilliseconds(milliseconds) {
  if (milliseconds === null || milliseconds === undefined) return dash;
  return milliseconds >= 10_000 ? `${(milliseconds / 1000).toFixed(0)} s` : milliseconds >= 1000 ? `${(milliseconds / 1000).toFixed(1)} s` : `${Math.round(milliseconds)} ms`;
}

export function formatPercent(share) {
  if (share === null || share === undefined || Number.isNaN(share)) return dash;
  return `${Math.round(share * 100)} %`;
}

/** The local time of day, `14:03:07`. */
export function formatTime(isoTime) {
  return new Date(isoTime).toLocaleTimeString("en-GB", { hour12: false });
}
