/**
 * The SQLite backend's signing key store: a PEM file of its own beside the
 * database (`<file>.signing.pem`, mode 0600), never a row in it, so that
 * whoever can write the database still cannot sign commands
 * (docs/security.md). Node's fs only: it runs under Bun and Node alike.
 */
import { randomBytes } from "node:crypto";
import { link, open, readFile, stat, unlink } from "node:fs/promises";
import type { SigningKeyStore } from "../../lib/contracts.ts";
import { KubentlyError } from "../../lib/errors.ts";

const errno = (e: unknown): string | undefined => (e as { code?: string } | null)?.code;

const unavailable = (path: string, e: unknown) =>
  new KubentlyError("BACKEND_UNAVAILABLE", `cannot keep the signing key in ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });

/** The kept key, or null when there is no file. Refuses a file other users may read or write. */
async function read(path: string): Promise<string | null> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch (e) {
    if (errno(e) === "ENOENT") return null;
    throw unavailable(path, e);
  }
  // Only "others" are checked: Kubernetes gives a volume's files to the pod's fsGroup (group read and write).
  if (process.platform !== "win32" && (mode & 0o007) !== 0) {
    throw new KubentlyError(
      "VALIDATION_FAILED",
      `the signing key file ${path} is open to other users (mode ${(mode & 0o777).toString(8)}): whoever reads it can sign commands; chmod 600 ${path}`,
    );
  }
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    throw unavailable(path, e);
  }
}

/**
 * A {@link SigningKeyStore} in the file at `path`. The first `load` of a
 * missing file writes `create()`'s key whole under a private temporary name
 * (mode 0600, synced) and links it into place: `link` fails when the name
 * exists, so of concurrent first starts exactly one key lands, every caller
 * reads that one, and nobody ever reads a half-written file.
 */
export function keyFileStore(path: string): SigningKeyStore {
  return {
    location: path,
    async load(create) {
      const kept = await read(path);
      if (kept !== null) return kept;
      const pem = create();
      const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
      try {
        const file = await open(temp, "wx", 0o600);
        try {
          await file.chmod(0o600); // whatever the umask
          await file.writeFile(pem);
          await file.sync();
        } finally {
          await file.close();
        }
        await link(temp, path).catch((e: unknown) => {
          if (errno(e) !== "EEXIST") throw e; // another process was first: its key is the one
        });
      } catch (e) {
        throw unavailable(path, e);
      } finally {
        await unlink(temp).catch(() => {});
      }
      const landed = await read(path);
      if (landed === null) throw unavailable(path, new Error("the file vanished right after it was written"));
      return landed;
    },
  };
}
