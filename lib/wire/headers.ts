/**
 * Trace headers every protocol honours (`X-Correlation-ID`,
 * `X-Service-Identity`, `X-Request-Timeout`), read with one rule: printable
 * ASCII within `LIMITS.maxIdLength`, else a 400 naming the header.
 */
import { KubentlyError } from "../errors.ts";
import { LIMITS } from "../limits.ts";

/** The header's value, trimmed, or undefined when absent or empty. */
export function headerText(source: Request | Headers, name: string): string | undefined {
  const value = (source instanceof Headers ? source : source.headers).get(name)?.trim();
  if (!value) return undefined;
  if (value.length > LIMITS.maxIdLength || !/^[\x20-\x7e]+$/.test(value)) {
    throw new KubentlyError("VALIDATION_FAILED", `${name} must be printable ASCII of at most ${LIMITS.maxIdLength} characters`);
  }
  return value;
}

/** `X-Request-Timeout` in seconds, within the (streamed) execute timeout bounds, or undefined; the execute service checks the bound that applies. */
export function timeoutHeader(source: Request | Headers): number | undefined {
  const value = headerText(source, "x-request-timeout");
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < LIMITS.minTimeoutSeconds || n > LIMITS.maxStreamTimeoutSeconds) {
    throw new KubentlyError("VALIDATION_FAILED", `X-Request-Timeout must be an integer from ${LIMITS.minTimeoutSeconds} to ${LIMITS.maxStreamTimeoutSeconds}`);
  }
  return n;
}
