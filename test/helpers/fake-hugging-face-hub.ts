import { createHash } from "node:crypto";
import type { FileRoute, TestFileServer } from "./test-file-server.js";

export interface FakeHubModel {
  readonly owner: string;
  readonly repository: string;
  /** Files listed in the repository (siblings); only `file` is served. */
  readonly listedFiles?: readonly string[];
  readonly file: string;
  readonly bytes: Uint8Array;
  /** The `X-Linked-Etag` the hub advertises, quoted; `null` for none. Defaults to the real sha256. */
  readonly advertisedSha256?: string | null;
  /** The size the hub advertises. Defaults to the real one. */
  readonly advertisedSize?: number;
  /** Where the bytes are served from (the "CDN"). Defaults to the hub server itself. */
  readonly cdn?: TestFileServer;
  /** Extra behaviour of the CDN route (drops, holds, truncation). */
  readonly cdnBehaviour?: Omit<FileRoute, "kind" | "bytes">;
}

/**
 * Serves a model the way the Hugging Face Hub does: `/api/models/<owner>/<repo>` lists files, and
 * `/<owner>/<repo>/resolve/main/<file>` answers HEAD and GET with a 302 to a CDN URL that carries
 * `X-Linked-Size` and `X-Linked-Etag` (the sha256). Returns the CDN path.
 */
export function serveHubModel(hub: TestFileServer, model: FakeHubModel): string {
  const sha256 = createHash("sha256").update(model.bytes).digest("hex");
  const cdn = model.cdn ?? hub;
  const cdnPath = `/cdn/${model.owner}/${model.repository}/${sha256}/${model.file.split("/").at(-1) ?? model.file}`;
  hub.route(`/api/models/${model.owner}/${model.repository}`, {
    kind: "json",
    body: { id: `${model.owner}/${model.repository}`, siblings: (model.listedFiles ?? [model.file]).map((rfilename) => ({ rfilename })) },
  });
  hub.route(`/${model.owner}/${model.repository}/resolve/main/${model.file}`, {
    kind: "redirect",
    location: `${cdn.origin}${cdnPath}`,
    headers: {
      "x-linked-size": String(model.advertisedSize ?? model.bytes.length),
      ...(model.advertisedSha256 === null ? {} : { "x-linked-etag": `"${model.advertisedSha256 ?? sha256}"` }),
      "x-repo-commit": "0123456789abcdef0123456789abcdef01234567",
    },
  });
  cdn.route(cdnPath, { ...model.cdnBehaviour, kind: "file", bytes: model.bytes });
  return cdnPath;
}
