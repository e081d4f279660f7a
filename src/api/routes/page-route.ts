import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply } from "fastify";
import { NotFoundError } from "../server-error.js";

/** The page's files, beside the compiled code (the build copies them into dist/). */
export const pageFolder = fileURLToPath(new URL("../page/", import.meta.url));

const contentTypes: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

/**
 * Everything the page may load: its own files, nothing from elsewhere (it works offline), no inline script, and
 * no framing by another site (a framed page could be made to type the key for someone else).
 */
const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * `GET /`: the live page (a dashboard and a chat box), and `GET /page/<file>` its script and style. They hold no
 * data, so they need no key (a browser cannot send one when it loads a page); the data they fetch does. `HEAD /`
 * answers at once without reading anything: it is Claude Code's connectivity check.
 */
export function registerPageRoutes(app: FastifyInstance): void {
  const files = new Map<string, { readonly type: string; readonly body: Buffer }>();
  for (const name of readdirSync(pageFolder)) {
    const type = contentTypes[path.extname(name)];
    if (type !== undefined) files.set(name, { type, body: readFileSync(path.join(pageFolder, name)) });
  }
  const send = (reply: FastifyReply, name: string): FastifyReply => {
    const file = files.get(name);
    if (file === undefined) throw new NotFoundError(`Not found: /page/${name}`);
    return reply
      .type(file.type)
      .header("cache-control", "no-cache")
      .header("x-content-type-options", "nosniff")
      .header("content-security-policy", contentSecurityPolicy)
      .header("x-frame-options", "DENY")
      .header("referrer-policy", "no-referrer")
      .send(file.body);
  };
  app.head("/", async (_request, reply) => reply.type(contentTypes[".html"] ?? "text/html").send());
  app.get("/", { exposeHeadRoute: false }, async (_request, reply) => send(reply, "index.html"));
  app.get<{ Params: { file: string } }>("/page/:file", async (request, reply) => send(reply, request.params.file));
}
