/** Whether this process runs on glibc (Linux distributions other than musl-based ones such as Alpine). */
export function usesGlibc(): boolean {
  if (process.platform !== "linux") return false;
  // The report would otherwise look up network interfaces, which nothing here needs (Node 20's types lack it).
  (process.report as { excludeNetwork?: boolean }).excludeNetwork = true;
  const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
  return header?.glibcVersionRuntime !== undefined;
}
