/** One request body to send, with a short key for logs and dead letters (PagerDuty: the dedup key). */
export interface OutboundBody {
  body: Record<string, unknown> | object;
  key?: string;
}
