/**
 * Deliveries that failed for good, kept in memory for `GET /alerts/dead-letters`:
 * the newest `max` (older ones are dropped and counted), per API process. A
 * dead letter holds the message (our JSON, no secret), never the webhook's
 * URL, headers or routing key.
 */
import type { AlertMessage } from "./message.ts";

/** One delivery that failed after its last attempt. */
export interface DeadLetter {
  id: string;
  /** When it was given up (ms since the epoch). */
  at: number;
  webhook: string;
  type: string;
  /** The target's id and place. */
  target: { id: string; cluster_id: string; namespace: string | null };
  /** PagerDuty: the dedup key of the event; else absent. */
  key?: string;
  attempts: number;
  /** The last failure: an HTTP status and a short reason, a network error, or an open circuit. */
  error: string;
  status: number | null;
  message: AlertMessage;
}

/** A bounded store of dead letters, newest last. */
export function deadLetterStore(max: number) {
  const items: DeadLetter[] = [];
  let dropped = 0;
  let total = 0;
  return {
    add(letter: DeadLetter): void {
      total += 1;
      if (max === 0) return void (dropped += 1);
      items.push(letter);
      if (items.length > max) {
        items.shift();
        dropped += 1;
      }
    },
    /** Newest first. */
    list(): DeadLetter[] {
      return [...items].reverse();
    },
    /** Counts since the process started. */
    stats(): { kept: number; dropped: number; total: number; max: number } {
      return { kept: items.length, dropped, total, max };
    },
  };
}

/** A dead-letter store's type. */
export type DeadLetterStore = ReturnType<typeof deadLetterStore>;
