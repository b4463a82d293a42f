/**
 * Certificates for tests that need TLS: a private CA, a server certificate for
 * `127.0.0.1`/`localhost` (SAN IP and DNS, as Go's verifier requires) and a
 * client certificate `CN=kubently-agent, O=kubently` (the user and group
 * kube-apiserver derives from it), all made by the real `openssl` CLI. A second,
 * unrelated CA signs a "rogue" client certificate for negative tests.
 *
 * Generated once per process (EC P-256 keys, so it takes tens of
 * milliseconds); the temp dir is removed as soon as the PEMs are read.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A certificate with its private key, both PEM. */
export interface CertKeyPair {
  cert: string;
  key: string;
}

/** PEM material made by {@link tlsFixture}. */
export interface TlsFixture {
  /** The CA certificate that signed `server` and `client`. */
  ca: string;
  /** For `127.0.0.1` and `localhost`, extended key usage serverAuth. */
  server: CertKeyPair;
  /** `CN=kubently-agent, O=kubently`, extended key usage clientAuth. */
  client: CertKeyPair;
  /** A client certificate signed by a different CA, which {@link TlsFixture.ca} must not accept. */
  rogueClient: CertKeyPair;
}

/** Whether the `openssl` CLI is on PATH; tests skip (or fail under `CI=true`) without it. */
export const OPENSSL_FOUND = spawnSync("openssl", ["version"], { encoding: "utf8" }).status === 0;

let cached: Promise<TlsFixture> | null = null;

/** The process-wide certificates; the first call makes them. */
export function tlsFixture(): Promise<TlsFixture> {
  cached ??= make().catch((err: unknown) => {
    cached = null;
    throw err;
  });
  return cached;
}

function openssl(cwd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("openssl", args, { cwd }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`openssl ${args[0]} failed: ${stderr || err.message}`));
      else resolve();
    });
  });
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(dir, [
    "req", "-x509", ...EC, "-keyout", `${name}.key`, "-out", `${name}.crt`, "-days", "3650", "-subj", `/CN=${name}`,
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
  ]);
}

async function makeLeaf(dir: string, name: string, ca: string, subject: string, ext: string[]): Promise<CertKeyPair> {
  await writeFile(join(dir, `${name}.ext`), [...ext, "basicConstraints=CA:FALSE", ""].join("\n"));
  await openssl(dir, ["req", ...EC, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject]);
  const serial = `0x${Date.now().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`;
  await openssl(dir, [
    "x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.crt`, "-CAkey", `${ca}.key`, "-set_serial", serial,
    "-days", "3650", "-out", `${name}.crt`, "-extfile", `${name}.ext`,
  ]);
  return { cert: await readFile(join(dir, `${name}.crt`), "utf8"), key: await readFile(join(dir, `${name}.key`), "utf8") };
}

async function make(): Promise<TlsFixture> {
  const dir = await mkdtemp(join(tmpdir(), "kubently-tls-"));
  try {
    await Promise.all([makeCa(dir, "ca"), makeCa(dir, "rogue-ca")]);
    const [server, client, rogueClient] = await Promise.all([
      makeLeaf(dir, "server", "ca", "/CN=kubently-sim", [
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        "extendedKeyUsage=serverAuth",
      ]),
      makeLeaf(dir, "client", "ca", "/O=kubently/CN=kubently-agent", ["keyUsage=critical,digitalSignature", "extendedKeyUsage=clientAuth"]),
      makeLeaf(dir, "rogue", "rogue-ca", "/O=kubently/CN=kubently-agent", ["keyUsage=critical,digitalSignature", "extendedKeyUsage=clientAuth"]),
    ]);
    return { ca: await readFile(join(dir, "ca.crt"), "utf8"), server, client, rogueClient };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
