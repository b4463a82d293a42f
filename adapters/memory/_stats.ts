/** What a bounded memory store reports (shared by the memory stores). */
import type { BackendStoreStats } from "../../lib/contracts.ts";

/** What a bounded memory store reports: what it holds and what it dropped. */
export interface MemoryStoreStats extends BackendStoreStats {
  /** Entries dropped since start to stay within the bounds. */
  dropped: number;
}
