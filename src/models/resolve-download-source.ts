import { hubCacheName, urlCacheName } from "./cache/model-cache-paths.js";
import { parsePublishedSha256 } from "./download/published-digest.js";
import { defaultHubUrl, hubFileUrl, listRepositoryFiles, readRemoteFileMetadata, type HubConnection } from "./hub/hugging-face-hub.js";
import { selectQuantizationFile } from "./hub/select-quantization-file.js";
import { ModelSpecError } from "./model-spec-error.js";
import { formatModelSpec, parseModelSpec, type ModelSpec } from "./model-spec.js";
import { modelPresets } from "./presets.js";

/** Where a spec's file comes from, where it goes in the cache, and what it must be. */
export interface DownloadSource {
  readonly url: URL;
  /** Cache name, `/`-separated, relative to `<home>/models`. */
  readonly cacheName: string;
  readonly sizeBytes?: number;
  readonly sha256?: string;
  /** Where the sha256 comes from, when there is one. */
  readonly hashFrom?: "preset" | "hub";
  /** Sent only when the URL is on the hub itself. */
  readonly token?: string;
}

/** Resolves a preset, `hf:` or URL spec to its download: lists the repository for a quantisation, reads the hub's size and hash. */
export async function resolveDownloadSource(spec: ModelSpec, connection: HubConnection): Promise<DownloadSource> {
  switch (spec.kind) {
    case "path":
      throw new ModelSpecError(
        `${spec.path} is neither a preset (${modelPresets.map((preset) => preset.name).join(", ")}), an hf:<owner>/<repository>… spec nor an https:// URL`,
      );
    case "preset": {
      const { preset } = spec;
      const pinned = preset.sizeBytes !== undefined && preset.sha256 !== undefined;
      const source = await hubSource(connection, preset.owner, preset.repository, preset.file, "main", !pinned);
      return {
        ...source,
        ...(preset.sizeBytes === undefined ? {} : { sizeBytes: preset.sizeBytes }),
        ...(preset.sha256 === undefined ? {} : { sha256: parsePublishedSha256(preset.sha256, source.url.href, `preset ${preset.name}`), hashFrom: "preset" as const }),
      };
    }
    case "hugging-face-file":
      return hubSource(connection, spec.owner, spec.repository, spec.file, spec.revision, true);
    case "hugging-face-quantization": {
      const repositoryName = `${spec.owner}/${spec.repository}`;
      const files = await listRepositoryFiles(connection, spec.owner, spec.repository);
      const selected = selectQuantizationFile(files, spec.quantization, repositoryName);
      if (selected.partCount > 1) {
        throw new ModelSpecError(`${formatModelSpec(spec)} is split into ${selected.partCount} files (${selected.file}, …); split models cannot be pulled yet`);
      }
      // The file name came from the network: parse it as a spec so it gets the same checks as a typed one.
      const checked = parseModelSpec(`hf:${repositoryName}/${selected.file}`);
      if (checked.kind !== "hugging-face-file") throw new ModelSpecError(`${repositoryName} lists an unusable file name ${JSON.stringify(selected.file)}`);
      return hubSource(connection, spec.owner, spec.repository, checked.file, spec.revision, true);
    }
    case "url": {
      const onHub = spec.url.origin === new URL(connection.baseUrl ?? defaultHubUrl).origin;
      return {
        url: spec.url,
        cacheName: urlCacheName(spec.url),
        ...(onHub && connection.token !== undefined ? { token: connection.token } : {}),
      };
    }
  }
}

async function hubSource(
  connection: HubConnection,
  owner: string,
  repository: string,
  file: string,
  revision: string,
  readMetadata: boolean,
): Promise<DownloadSource> {
  const url = hubFileUrl(connection, owner, repository, file, revision);
  const cacheName = hubCacheName(owner, repository, file);
  const metadata = readMetadata ? await readRemoteFileMetadata(connection, url) : {};
  return {
    url,
    cacheName,
    ...(metadata.sizeBytes === undefined ? {} : { sizeBytes: metadata.sizeBytes }),
    ...(metadata.sha256 === undefined ? {} : { sha256: metadata.sha256, hashFrom: "hub" as const }),
    ...(connection.token === undefined ? {} : { token: connection.token }),
  };
}
