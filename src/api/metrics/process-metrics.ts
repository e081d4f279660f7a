import { Gauge, type Registry } from "prom-client";
import type { PerformanceSample, PerformanceSummary } from "../../util/performance-monitor.js";

/** What the metrics need from a running `PerformanceMonitor`. */
export interface PerformanceReadings {
  latest(): PerformanceSample | null;
  summary(): PerformanceSummary;
  readonly measuresVram: boolean;
}

/**
 * The server process's CPU and memory as the performance monitor last sampled them (once a second), plus
 * peaks since it started: a scrape every 15 s would miss a short spike that the monitor caught (and the RSS peak
 * counts the OS's record of the largest RSS, which holds one between samples too).
 */
export function registerProcessMetrics(registry: Registry, monitor: PerformanceReadings): void {
  const registers = [registry];
  const latestGauge = (name: string, help: string, read: (sample: PerformanceSample) => number | null): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const sample = monitor.latest();
        const reading = sample === null ? null : read(sample);
        // Before the first sample, or where the OS does not report the value, leave the series out.
        if (reading === null) this.remove();
        else this.set(reading);
      },
    });
  };
  const peakGauge = (name: string, help: string, read: (summary: PerformanceSummary) => number | undefined): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const peak = read(monitor.summary());
        if (peak === undefined) this.remove();
        else this.set(peak);
      },
    });
  };

  latestGauge("pensieve_process_cpu_percent", "CPU use over the last sampling interval, in percent of one core.", (sample) => sample.cpuPercent);
  latestGauge("pensieve_process_resident_memory_bytes", "Resident set size (RSS).", (sample) => sample.rssBytes);
  latestGauge(
    "pensieve_process_anonymous_memory_bytes",
    "Anonymous resident memory (Linux RssAnon): RSS without file-backed pages such as an mmapped model.",
    (sample) => sample.rssAnonBytes,
  );
  latestGauge("pensieve_process_heap_used_bytes", "V8 heap in use.", (sample) => sample.heapUsedBytes);
  peakGauge("pensieve_process_cpu_peak_percent", "Busiest sampling interval since the monitor started.", (summary) => summary.cpuPercent.peak);
  peakGauge("pensieve_process_resident_memory_peak_bytes", "Largest RSS since the monitor started, sampled or as the OS records it.", (summary) => summary.rssBytes.peak);
  peakGauge(
    "pensieve_process_anonymous_memory_peak_bytes",
    "Largest anonymous RSS sampled since the monitor started.",
    (summary) => summary.rssAnonBytes?.peak,
  );
  if (monitor.measuresVram) {
    latestGauge("pensieve_gpu_memory_used_bytes", "GPU memory in use.", (sample) => sample.vramBytes);
    peakGauge("pensieve_gpu_memory_peak_bytes", "Largest GPU memory use sampled since the monitor started.", (summary) => summary.vramBytes?.peak);
  }
}
