/**
 * Every limit Kubently enforces, in one place. docs/limits.md lists them; a
 * test keeps that page in step with this object.
 */
export const LIMITS = {
  /** Largest HTTP request body accepted, in bytes. */
  maxBodyBytes: 64 * 1024,
  /** Largest agent result body accepted (output plus envelope), in bytes. */
  maxResultBodyBytes: 2 * 1024 * 1024 + 64 * 1024,
  /** Command output kept by the executor before it stops reading and marks `truncated`. */
  maxOutputBytes: 1024 * 1024,
  /** `timeout_seconds` bounds and default for execute. */
  minTimeoutSeconds: 1,
  maxTimeoutSeconds: 30,
  defaultTimeoutSeconds: 10,
  /** Streamed commands (`stream: true`): `timeout_seconds` is the stream's time budget, with these bounds and default. */
  maxStreamTimeoutSeconds: 300,
  defaultStreamTimeoutSeconds: 60,
  /** A streamed command's byte budget (`max_bytes`): default and maximum; past it kubectl is stopped. */
  defaultStreamBytes: 256 * 1024,
  maxStreamBytes: 1024 * 1024,
  /** Least time between an agent's posts of one stream's output (ms; a quiet stream's line goes at once), and the most text one post carries. */
  streamFlushMs: 50,
  maxStreamPostBytes: 32 * 1024,
  /** Streamed commands an agent runs besides its workers: a stream does not hold a worker, so long follows do not starve other commands. */
  maxAgentStreams: 16,
  /** Largest `POST /agent/stream` body (a post's text JSON-escaped, plus envelope). */
  maxStreamBodyBytes: 256 * 1024,
  /** A follower with nothing new for this long gets a keep-alive (an SSE comment). */
  streamKeepAliveMs: 15_000,
  /** Extra time the API waits past a command's deadline for the agent's answer to arrive. */
  resultGraceMs: 2_000,
  /** `ttl_seconds` bounds and default for sessions. */
  minSessionTtlSeconds: 60,
  maxSessionTtlSeconds: 3_600,
  defaultSessionTtlSeconds: 300,
  /** Long-poll wait bounds for `GET /agent/commands?wait=` (seconds); below common load-balancer idle timeouts. */
  maxAgentWaitSeconds: 30,
  defaultAgentWaitSeconds: 25,
  /** How long an agent's lease on a command lasts; it renews every `leaseRenewMs` while the command runs, so a dead agent is noticed within one lease. */
  leaseMs: 6_000,
  leaseRenewMs: 2_000,
  /**
   * Presence rides on the long poll: each poll (and each result, extension or
   * stream post) refreshes the cluster's last-seen time, at most once per
   * `agentSeenWriteMs` per cluster per API process. An idle agent holding
   * 25 s polls is thus seen at the start of each one.
   */
  agentSeenWriteMs: 10_000,
  /**
   * An agent sends a full heartbeat (versions, capabilities, breaker states)
   * at start, within `heartbeatCheckMs` of a change in what it reports (a
   * breaker opening), and otherwise at least this often: the mean, each
   * interval spread by `heartbeatJitter`. Heartbeats carry information, not
   * presence (the polls do), so an idle fleet pays for one every few minutes.
   */
  heartbeatIntervalMs: 300_000,
  /** How often an agent compares what it reports with what it last sent (in process, no request unless it changed). */
  heartbeatCheckMs: 5_000,
  /**
   * Each heartbeat interval after the first is `heartbeatIntervalMs × (1 ± heartbeatJitter)`, uniform, so
   * agents started together do not beat in step.
   */
  heartbeatJitter: 0.2,
  /**
   * An agent unseen for this long is reported as disconnected: longer than
   * the longest long poll (`maxAgentWaitSeconds`) with room for the next one
   * to arrive, so an idle agent between two polls stays connected.
   */
  agentStaleMs: 45_000,
  /** How often each API process looks for agents gone stale, to publish `agent.lost` (docs/events.md). */
  agentStaleCheckMs: 5_000,
  /** Events the bus keeps for a resume (`Last-Event-ID`, `?from=`), and events one subscriber may have waiting before it gets a `reset` and ends. */
  eventWindowSize: 1_000,
  eventSubscriberBuffer: 256,
  /** An open event stream checks its caller's credential again this often, and ends when it is refused (a revoked key, a signed-out session). */
  eventRecheckMs: 60_000,
  /**
   * The web terminal (`GET /terminal/ws`, docs/console.md): a terminal that
   * gets no line for `terminalIdleSeconds` closes and ends its debug session
   * (whose sliding TTL is the same, so it never expires under an open
   * terminal); any terminal closes after `terminalMaxSeconds`.
   */
  terminalIdleSeconds: 900,
  terminalMaxSeconds: 28_800,
  /** Largest frame a terminal client may send (a line is at most 4,096 characters); a larger one closes the socket (1009). */
  terminalMaxMessageBytes: 16 * 1024,
  /** Lines one terminal takes per minute; past it a line is refused (`RATE_LIMITED`) and not recorded, so a client cannot flood the audit log. */
  terminalMaxLinesPerMinute: 60,
  /** Terminals one identity may have open on one API process at once. */
  maxTerminalsPerIdentity: 8,
  /** Clusters one fan-out request may target. */
  maxFanoutClusters: 20,
  /**
   * Alerts (docs/alerts.md): the largest `POST /alerts/alertmanager` body and
   * the alerts it may carry; the (cluster, namespace) targets one request may
   * diagnose (more are skipped); targets waiting or running at once (past it
   * 503 `ALERTS_BUSY`) and how many run at once; dead letters kept.
   */
  maxAlertBodyBytes: 1024 * 1024,
  maxAlertsPerRequest: 500,
  maxAlertTargetsPerRequest: 10,
  alertQueueSize: 64,
  alertConcurrency: 4,
  alertDeadLetters: 100,
  /** Findings one outbound message carries, for the alert's workload and for the rest ("also seen") each. */
  alertFindingsPerMessage: 20,
  /** Outbound webhooks: one attempt's time budget, attempts in all, and the backoff between them (doubling, with jitter; a `Retry-After` is honoured up to the maximum). */
  webhookTimeoutMs: 5_000,
  webhookAttempts: 4,
  webhookRetryInitialMs: 500,
  webhookRetryMaxMs: 30_000,
  /** `GET /audit` limit bounds. */
  maxAuditLimit: 1_000,
  defaultAuditLimit: 100,
  /** Length cap of ids and free-text header values we echo back (correlation id, service identity). */
  maxIdLength: 128,
  /** Audit entries `verifyAuditChain` reads per page; it yields to the event loop between pages, so a check never blocks other requests for long and holds one page in memory. */
  auditVerifyPageSize: 1_000,
  /**
   * Defaults of the memory backend's bounds (`memoryBackend({ ... })`): each
   * store keeps at most this many entries and bytes (JSON text length), drops
   * its oldest past them, and counts the drops in `kubently_backend_dropped_total`.
   */
  memoryMaxResults: 20_000,
  memoryMaxResultBytes: 64 * 1024 * 1024,
  /** Commands waiting for or held by an agent; past it a push is refused (`BACKEND_UNAVAILABLE`). */
  memoryMaxQueuedCommands: 50_000,
  memoryMaxAuditEntries: 50_000,
  memoryMaxAuditBytes: 32 * 1024 * 1024,
  memoryMaxSessions: 10_000,
  memoryMaxStreams: 1_000,
  memoryMaxStreamBytes: 64 * 1024 * 1024,
  memoryMaxCounterWindows: 100_000,
  /** How long a closing server lets the answers it is writing finish (after its drain) before it cuts what is left. */
  shutdownGraceMs: 5_000,
  /** On SIGTERM, the binary serves at least this long (answers with `Connection: close`, `/ready` 503) before its listeners close. */
  shutdownLameDuckMs: 1_000,
  /**
   * A draining API process ends the long polls it holds at this rate (spread
   * evenly, not all at once), so the agents that move to the other replicas
   * arrive as a stream they can take: 10,000 polls end over 5 s. Polls still
   * held meanwhile get work as usual; new polls are refused at once.
   */
  drainPollsPerSecond: 2_000,
  /** Longest a `/metrics` state snapshot (queue depths, agents, sessions) is reused: scrapes within it read nothing from the backend. */
  metricsSnapshotMs: 15_000,
  /** Clusters named in `kubently_queue_depth_top{cluster}`: the deepest queues only. */
  metricsTopQueues: 10,
  /** Queue-depth reads in flight at once while a snapshot is taken. */
  metricsDepthReads: 16,
  /** Largest agent tokens file (`--agent-tokens-file`) the executable reads; a bigger one stops start-up. */
  maxAgentTokensFileBytes: 64 * 1024 * 1024,
  /** Configured clusters `ready()` registers (and sets the token of) at once, so a fleet's start-up is not one round trip after another. */
  startupRegisterConcurrency: 64,
} as const;
