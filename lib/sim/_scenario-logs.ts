/**
 * Container output for the default scenario. Every generator is seeded by the
 * pod name, so a pod prints the same history on every server start and only
 * the timestamps move with the clock.
 */
import { hexOf } from "./_k8s.ts";
import type { LogLine } from "./_objects.ts";

/** A small deterministic PRNG (mulberry32) seeded from a string. */
export function seeded(seed: string): () => number {
  let a = parseInt(hexOf(`seed:${seed}`, 8), 16) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)] as T;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number, w = 2) => String(n).padStart(w, "0");

function nginxLocalTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

function nginxErrorTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

function klogTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}${pad(Math.floor((ms * 7) % 1000), 3)}`;
}

function pyTime(ms: number): string {
  const d = new Date(ms);
  return `${d.toISOString().slice(0, 10)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())},${pad(d.getUTCMilliseconds(), 3)}`;
}

const AGENTS = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
];
const REQUESTS: readonly [string, number, number][] = [
  ["GET / HTTP/1.1", 200, 6124],
  ["GET /products?category=shoes&page=1 HTTP/1.1", 200, 18342],
  ["GET /products?category=jackets&page=2 HTTP/1.1", 200, 17210],
  ["GET /products/sku-48213 HTTP/1.1", 200, 9432],
  ["GET /static/js/app.3f9c2b71.js HTTP/1.1", 304, 0],
  ["GET /static/css/main.a81e4d.css HTTP/1.1", 304, 0],
  ["GET /api/cart HTTP/1.1", 200, 812],
  ["POST /api/cart/items HTTP/1.1", 201, 96],
  ["GET /favicon.ico HTTP/1.1", 200, 15086],
  ["GET /products/sku-99999 HTTP/1.1", 404, 153],
];

/** One nginx access-log line (default `main` format) at `ms`. */
export function nginxAccessLine(r: () => number, ms: number, checkoutBroken: boolean): string {
  const client = `10.244.${1 + Math.floor(r() * 3)}.1`;
  const fwd = `${81 + Math.floor(r() * 100)}.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}.${1 + Math.floor(r() * 254)}`;
  if (checkoutBroken && r() < 0.12) {
    return `${client} - - [${nginxLocalTime(ms)}] "POST /api/checkout HTTP/1.1" 502 157 "https://shop.example.com/cart" "${pick(r, AGENTS)}" "${fwd}"`;
  }
  const [req, status, bytes] = pick(r, REQUESTS);
  return `${client} - - [${nginxLocalTime(ms)}] "${req}" ${status} ${bytes} "${r() < 0.5 ? "https://shop.example.com/" : "-"}" "${pick(r, AGENTS)}" "${fwd}"`;
}

/** nginx startup at `start`, then access logs (with upstream errors while checkout is down) up to `now`. */
export function nginxLogs(podName: string, start: number, now: number, checkoutDownSince: number): LogLine[] {
  const r = seeded(podName);
  const t0 = nginxErrorTime(start + 900);
  const lines: LogLine[] = [
    "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
    "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
    "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
    "10-listen-on-ipv6-by-default.sh: info: /etc/nginx/conf.d/default.conf differs from the packaged version",
    "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
    "/docker-entrypoint.sh: Configuration complete; ready for start up",
    `${t0} [notice] 1#1: using the "epoll" event method`,
    `${t0} [notice] 1#1: nginx/1.27.3`,
    `${t0} [notice] 1#1: built by gcc 12.2.0 (Debian 12.2.0-14) `,
    `${t0} [notice] 1#1: OS: Linux 6.8.0-1021-aws`,
    `${t0} [notice] 1#1: getrlimit(RLIMIT_NOFILE): 1048576:1048576`,
    `${t0} [notice] 1#1: start worker processes`,
    `${t0} [notice] 1#1: start worker process 29`,
    `${t0} [notice] 1#1: start worker process 30`,
  ].map((text, i) => ({ t: start + 880 + i * 3, text }));
  let t = now - 28 * 60_000;
  let conn = 180_000 + Math.floor(r() * 20_000);
  while (t < now - 2000) {
    const broken = t > checkoutDownSince;
    const text = nginxAccessLine(r, t, broken);
    if (text.includes('" 502 ')) {
      lines.push({
        t: t - 1,
        text: `${nginxErrorTime(t)} [error] 29#29: *${conn++} connect() failed (111: Connection refused) while connecting to upstream, client: 10.244.2.1, server: _, request: "POST /api/checkout HTTP/1.1", upstream: "http://10.96.88.21:8080/api/checkout", host: "shop.example.com", referrer: "https://shop.example.com/cart"`,
      });
    }
    lines.push({ t, text });
    t += 20_000 + Math.floor(r() * 70_000);
  }
  return lines;
}

/** One crash of the checkout service: it cannot reach postgres:5432 and exits 1. */
export function checkoutCrashLogs(podName: string, start: number): LogLine[] {
  const iso = (dt: number) => new Date(start + dt).toISOString();
  const json = (dt: number, level: string, msg: string, extra = "") =>
    ({ t: start + dt, text: `{"level":"${level}","time":"${iso(dt)}","pid":1,"hostname":"${podName}","msg":"${msg}"${extra}}` });
  const lines: LogLine[] = [
    json(310, "info", "checkout service v1.5.0 starting", `,"port":8080,"env":"production"`),
    json(322, "info", "loaded config", `,"database":{"host":"postgres","port":5432,"name":"orders","user":"checkout","ssl":false}`),
    json(340, "info", "connecting to postgres:5432 (database=orders)"),
  ];
  for (let attempt = 1; attempt <= 3; attempt++) {
    lines.push(json(345 + attempt * 2005, "warn", "postgres:5432 connection refused, retrying in 2s", `,"attempt":${attempt},"err":"connect ECONNREFUSED 10.96.112.34:5432"`));
  }
  lines.push(json(8390, "fatal", "could not connect to postgres:5432 after 3 attempts: connection refused; exiting"));
  const crash = [
    "/app/node_modules/pg-pool/index.js:45",
    "    Error.captureStackTrace(err)",
    "          ^",
    "",
    "Error: connect ECONNREFUSED 10.96.112.34:5432",
    "    at /app/node_modules/pg-pool/index.js:45:11",
    "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
    "    at async Database.connect (/app/dist/db/client.js:27:22)",
    "    at async OrderRepository.init (/app/dist/orders/repository.js:14:9)",
    "    at async bootstrap (/app/dist/server.js:41:5) {",
    "  errno: -111,",
    "  code: 'ECONNREFUSED',",
    "  syscall: 'connect',",
    "  address: '10.96.112.34',",
    "  port: 5432",
    "}",
    "",
    "Node.js v20.18.1",
  ];
  crash.forEach((text, i) => lines.push({ t: start + 8395 + i, text }));
  return lines;
}

/** One run of the recommender until the kernel OOM-kills it at its 128Mi limit. */
export function recommenderLogs(podName: string, start: number, killedAt: number): LogLine[] {
  const r = seeded(`${podName}@${start}`);
  const lines: LogLine[] = [
    { t: start + 400, text: "INFO:     Started server process [1]" },
    { t: start + 402, text: "INFO:     Waiting for application startup." },
    { t: start + 610, text: `${pyTime(start + 610)} INFO recommender.model: loading model artifacts from /models/v7 (items=184220, dim=128)` },
    { t: start + 4830, text: `${pyTime(start + 4830)} INFO recommender.model: model loaded in 4.2s, rss=97.4MiB` },
    { t: start + 4850, text: `${pyTime(start + 4850)} WARNING recommender.cache: RECS_CACHE_MAX is 0, similarity cache eviction disabled` },
    { t: start + 4861, text: "INFO:     Application startup complete." },
    { t: start + 4862, text: "INFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)" },
  ];
  let t = start + 6000;
  let entries = 0;
  while (t < killedAt - 1500) {
    const user = 10000 + Math.floor(r() * 90000);
    lines.push({ t, text: `INFO:     10.244.${1 + Math.floor(r() * 3)}.${10 + Math.floor(r() * 30)}:${40000 + Math.floor(r() * 20000)} - "GET /recommendations?user_id=${user}&limit=12 HTTP/1.1" 200 OK` });
    entries += 600 + Math.floor(r() * 900);
    if (r() < 0.18) {
      const rss = Math.min(127.8, 97.4 + entries / 1000);
      lines.push({ t: t + 3, text: `${pyTime(t + 3)} WARNING recommender.cache: similarity cache at ${entries} entries, rss=${rss.toFixed(1)}MiB` });
    }
    t += 2500 + Math.floor(r() * 6000);
  }
  return lines;
}

/** Structured JSON request logs of the healthy payments-api replicas. */
export function paymentsApiLine(r: () => number, ms: number): string {
  const routes: readonly [string, string, number][] = [
    ["POST", "/v1/charges", 201],
    ["GET", "/v1/charges/ch_", 200],
    ["POST", "/v1/refunds", 201],
    ["GET", "/healthz", 200],
    ["POST", "/v1/charges", 402],
  ];
  const [method, path, status] = pick(r, routes);
  const id = path.endsWith("_") ? hexOf(`${ms}`, 12) : "";
  return `{"time":"${new Date(ms).toISOString()}","level":"INFO","msg":"request handled","method":"${method}","path":"${path}${id}","status":${status},"duration_ms":${3 + Math.floor(r() * 140)},"request_id":"${hexOf(`req:${ms}:${r()}`, 16)}"}`;
}

/** payments-api v2.3.0 startup at `start`, then request logs up to `now`. */
export function paymentsApiLogs(podName: string, start: number, now: number): LogLine[] {
  const r = seeded(podName);
  const iso = (ms: number) => new Date(ms).toISOString();
  const lines: LogLine[] = [
    { t: start + 500, text: `{"time":"${iso(start + 500)}","level":"INFO","msg":"payments-api starting","version":"v2.3.0","commit":"8e1f2c4"}` },
    { t: start + 740, text: `{"time":"${iso(start + 740)}","level":"INFO","msg":"connected to ledger database","host":"ledger-db.payments.svc","pool_size":20}` },
    { t: start + 760, text: `{"time":"${iso(start + 760)}","level":"INFO","msg":"listening","addr":":8080"}` },
  ];
  for (let t = now - 20 * 60_000; t < now - 1000; t += 15_000 + Math.floor(r() * 50_000)) lines.push({ t, text: paymentsApiLine(r, t) });
  return lines;
}

/** CoreDNS startup banner; CoreDNS logs nothing else without the `log` plugin. */
export function corednsLogs(start: number): LogLine[] {
  return [
    ".:53",
    "[INFO] plugin/reload: Running configuration SHA512 = 591cf328cccc12bc490481273e738df59329c62c0b729d94e8b61db9961c2fa5f046dd37f1cf888b953814040d180f52594972691cd6ff41be96639138a43908",
    "CoreDNS-1.11.3",
    "linux/amd64, go1.21.11, a6338e9",
  ].map((text, i) => ({ t: start + 2000 + i, text }));
}

/** kube-proxy startup in klog format. */
export function kubeProxyLogs(start: number, nodeIP: string): LogLine[] {
  const entries: [number, string][] = [
    [1200, `server_linux.go:66] "Using iptables proxy"`],
    [1390, `server.go:698] "Successfully retrieved node IP(s)" IPs=["${nodeIP}"]`],
    [1392, `conntrack.go:60] "Setting nf_conntrack_max" nfConntrackMax=131072`],
    [1402, `server.go:234] "Kube-proxy configuration may be incomplete or incorrect" err="nodePortAddresses is unset; NodePort connections will be accepted on all local IPs. Consider using \`--nodeport-addresses primary\`"`],
    [1421, `server_linux.go:170] "Using iptables Proxier"`],
    [1433, `proxier.go:255] "Setting route_localnet=1 to allow node-ports on localhost; to change this either disable iptables.localhostNodePorts (--iptables-localhost-nodeports) or set nodePortAddresses (--nodeport-addresses) to filter loopback addresses" ipFamily="IPv4"`],
    [1440, `server.go:483] "Version info" version="v1.32.4"`],
    [1441, `server.go:485] "Golang settings" GOGC="" GOMAXPROCS="" GOTRACEBACK=""`],
    [1460, `config.go:199] "Starting service config controller"`],
    [1461, `shared_informer.go:313] Waiting for caches to sync for service config`],
    [1462, `config.go:105] "Starting endpoint slice config controller"`],
    [1463, `shared_informer.go:313] Waiting for caches to sync for endpoint slice config`],
    [1470, `config.go:329] "Starting node config controller"`],
    [1471, `shared_informer.go:313] Waiting for caches to sync for node config`],
    [1562, `shared_informer.go:320] Caches are synced for node config`],
    [1563, `shared_informer.go:320] Caches are synced for service config`],
    [1564, `shared_informer.go:320] Caches are synced for endpoint slice config`],
  ];
  return entries.map(([dt, msg]) => ({ t: start + dt, text: `I${klogTime(start + dt)}       1 ${msg}` }));
}
