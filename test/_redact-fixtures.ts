/**
 * Hand-written kubectl outputs for the redaction tests (yaml, json, describe,
 * tables, logs), shared by the pure fixtures suite (test/security) and the
 * timed one (test/unit/redact-secrets.test.ts).
 */

/** The default mask, as the expected (redacted) fixtures spell it. */
const M = "[REDACTED]";
export const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
export const PG = "Sup3r-S3cret-pg!";
export const TLS_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n";
export const JWT = "eyJhbGciOiJSUzI1NiIsImtpZCI6InNpbSJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6c2hvcDpjaSJ9.c2lnbmF0dXJlLW5vdC12YWxpZA";

export const SECRET_YAML = `apiVersion: v1
data:
  "123": ${b64("numeric-key-value")}
  password: ${b64(PG)}
  tls.key: ${b64(TLS_KEY)}
kind: Secret
metadata:
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: |
      {"apiVersion":"v1","data":{"password":"${b64(PG)}"},"kind":"Secret","metadata":{"annotations":{},"name":"db","namespace":"shop"},"type":"Opaque"}
    team: payments
  creationTimestamp: "2025-01-01T00:00:00Z"
  name: db
  namespace: shop
stringData:
  config.yaml: |-
    user: admin
    password: "p:a:s:s"
  note: 'it''s a "quoted" value: with colons,
    folded onto a second line'
  unicode: "pässwörd-🔑"
type: Opaque
`;
export const SECRET_YAML_REDACTED = `apiVersion: v1
data:
  "123": ${M}
  password: ${M}
  tls.key: ${M}
kind: Secret
metadata:
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: ${M}
    team: payments
  creationTimestamp: "2025-01-01T00:00:00Z"
  name: db
  namespace: shop
stringData:
  config.yaml: ${M}
  note: ${M}
  unicode: ${M}
type: Opaque
`;
export const SECRET_YAML_VALUES = [b64("numeric-key-value"), b64(PG), b64(TLS_KEY), "p:a:s:s", "it''s a", "folded onto", "pässwörd-🔑", "user: admin"];

export const MIXED_LIST_YAML = `apiVersion: v1
items:
- apiVersion: v1
  data:
    LOG_LEVEL: info
    password-hint: ask-the-team
  kind: ConfigMap
  metadata:
    name: app-config
    namespace: shop
- apiVersion: v1
  data:
    api-key: ${b64("gw_live_7f3c9a1e5b2d4f60c8e1")}
    token: ${b64(JWT)}
  kind: Secret
  metadata:
    name: gateway
    namespace: payments
  type: Opaque
- apiVersion: v1
  kind: Pod
  metadata:
    name: web-1
    namespace: shop
  spec:
    containers:
    - env:
      - name: DATABASE_PASSWORD
        valueFrom:
          secretKeyRef:
            key: password
            name: db-credentials
      - name: STRIPE_API_KEY
        value: sk_test_not_real_but_secret
      - name: LOG_LEVEL
        value: debug
      image: nginx
      name: web
kind: List
metadata:
  resourceVersion: ""
`;

export const SECRET_JSON = JSON.stringify(
  {
    apiVersion: "v1",
    data: { password: b64(PG), "tls.key": b64(TLS_KEY), weird: b64('q"uo\\te') },
    kind: "Secret",
    metadata: {
      annotations: {
        "kubectl.kubernetes.io/last-applied-configuration": `${JSON.stringify({ apiVersion: "v1", data: { password: b64(PG) }, kind: "Secret" })}\n`,
        team: "payments",
      },
      name: "db",
      namespace: "shop",
    },
    stringData: { "config.json": '{"password":"p\\"w"}', unicode: "pässwörd-🔑" },
    type: "Opaque",
  },
  null,
  4,
);

export const MIXED_LIST_JSON = JSON.stringify(
  {
    apiVersion: "v1",
    items: [
      { apiVersion: "v1", kind: "Pod", metadata: { name: "web-1" }, spec: { containers: [{ env: [{ name: "DB_PASSWORD", value: "hunter2-in-pod" }, { name: "NODE_ENV", value: "production" }], name: "web" }] } },
      { apiVersion: "v1", data: { LOG_LEVEL: "info" }, kind: "ConfigMap", metadata: { name: "cfg" } },
      { apiVersion: "v1", data: { password: b64(PG) }, kind: "Secret", metadata: { name: "db" }, type: "Opaque" },
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "api" }, spec: { template: { spec: { containers: [{ env: [{ name: "GITHUB_TOKEN", value: "not-a-pattern-but-a-token" }] }] } } } },
    ],
    kind: "List",
    metadata: { resourceVersion: "" },
  },
  null,
  4,
);

export const DESCRIBE_SA_SECRET = `Name:         ci-deployer-token
Namespace:    shop
Labels:       <none>
Annotations:  kubernetes.io/service-account.name: ci-deployer
              kubernetes.io/service-account.uid: 881d2395-e4ed-405b-b4ee-4632dcdaead6

Type:  kubernetes.io/service-account-token

Data
====
ca.crt:     1099 bytes
namespace:  4 bytes
token:      ${JWT}
`;

export const DESCRIBE_OPAQUE = `Name:         db-credentials
Namespace:    shop
Labels:       <none>
Annotations:  <none>

Type:  Opaque

Data
====
database:  6 bytes
password:  16 bytes
username:  8 bytes
`;

export const DESCRIBE_CONFIGMAP = `Name:         checkout-config
Namespace:    shop
Labels:       <none>
Annotations:  <none>

Data
====
DATABASE_HOST:
----
postgres

LOG_LEVEL:
----
info


BinaryData
====

Events:  <none>
`;

export const DESCRIBE_POD = `Name:             api-5d7f8b9c6d-kx7mn
Namespace:        payments
Annotations:      kubectl.kubernetes.io/last-applied-configuration:
                    {"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{},"name":"api"},"spec":{"containers":[{"env":[{"name":"DB_PASSWORD","value":"hunter2-last-applied"}]...
                  prometheus.io/scrape: true
Status:           Running
Containers:
  api:
    Image:          registry.example.com/payments:v2.3.0
    Environment:
      DATABASE_PASSWORD:  <set to the key 'password' in secret 'db-credentials'>  Optional: false
      DATABASE_HOST:      <set to the key 'DATABASE_HOST' of config map 'checkout-config'>  Optional: false
      DB_PASSWORD:        hunter2: with colon "and quotes"
      API_TOKEN:          first-line-of-token
                          second-line-of-token
      PRIVATE_KEY:
                          -----BEGIN EC PRIVATE KEY-----
                          MHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5rhJ7gLm
                          -----END EC PRIVATE KEY-----
      POD_NAME:           api-5d7f8b9c6d-kx7mn (v1:metadata.name)
      AUTH_MEMORY_LIMIT:  536870912 (limits.memory)
      NODE_ENV:           production
      SESSION_COOKIE_SECRET:  ünïcødé-sécret
    Mounts:
      /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-x (ro)
  sidecar:
    Environment:  <none>
    Mounts:       <none>
`;
export const DESCRIBE_POD_REDACTED = `Name:             api-5d7f8b9c6d-kx7mn
Namespace:        payments
Annotations:      kubectl.kubernetes.io/last-applied-configuration: ${M}
                  prometheus.io/scrape: true
Status:           Running
Containers:
  api:
    Image:          registry.example.com/payments:v2.3.0
    Environment:
      DATABASE_PASSWORD:  <set to the key 'password' in secret 'db-credentials'>  Optional: false
      DATABASE_HOST:      <set to the key 'DATABASE_HOST' of config map 'checkout-config'>  Optional: false
      DB_PASSWORD:        ${M}
      API_TOKEN:          ${M}
      PRIVATE_KEY: ${M}
      POD_NAME:           api-5d7f8b9c6d-kx7mn (v1:metadata.name)
      AUTH_MEMORY_LIMIT:  536870912 (limits.memory)
      NODE_ENV:           production
      SESSION_COOKIE_SECRET:  ${M}
    Mounts:
      /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-x (ro)
  sidecar:
    Environment:  <none>
    Mounts:       <none>
`;

export const PODS_TABLE = `NAMESPACE     NAME                                 READY   STATUS             RESTARTS        AGE
kube-system   coredns-668d6bf9bc-7xk2p             1/1     Running            0               27d
payments      payments-api-5d7f8b9c6d-kx7mn        0/1     ImagePullBackOff   0               9m
shop          checkout-6b8f9d7c5c-8wzrn            0/1     CrashLoopBackOff   7 (2m40s ago)   17m
shop          web-7d4b9c8f6d-x2kqp                 1/1     Running            0               2d14h
`;

export const PLAIN_DESCRIBE_POD = `Name:             web-7d4b9c8f6d-x2kqp
Namespace:        shop
Priority:         0
Service Account:  default
Node:             node-1/10.0.1.11
Labels:           app=web
                  pod-template-hash=7d4b9c8f6d
Annotations:      <none>
Status:           Running
Containers:
  web:
    Image:          nginx:1.27.3
    Readiness:      http-get http://:80/healthz delay=0s timeout=1s period=10s #success=1 #failure=3
    Environment:
      NODE_NAME:   (v1:spec.nodeName)
      TOKEN_TTL_PATH:  <set to the key 'ttl' of config map 'web-config'>  Optional: false
      LOG_LEVEL:   info
    Mounts:
      /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-cljhe (ro)
Volumes:
  kube-api-access-cljhe:
    Type:                    Projected (a volume that contains injected data from multiple sources)
    TokenExpirationSeconds:  3607
    ConfigMapName:           kube-root-ca.crt
  creds:
    Type:        Secret (a volume populated by a Secret)
    SecretName:  db-credentials
    Optional:    false
QoS Class:                   Burstable
Events:
  Type     Reason   Age                 From     Message
  ----     ------   ----                ----     -------
  Warning  Failed   12s (x71 over 16m)  kubelet  MountVolume.SetUp failed for volume "creds" : secret "db-credentials" not found
`;

export const NORMAL_LOGS = `10.244.1.1 - - [23/Nov/2026:11:26:46 +0000] "GET /products?category=shoes&page=1 HTTP/1.1" 200 18342 "https://shop.example.com/" "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0" "81.2.3.4"
2026/11/23 11:26:47 [error] 29#29: *180001 connect() failed (111: Connection refused) while connecting to upstream, client: 10.244.2.1, server: _, request: "POST /api/checkout HTTP/1.1", upstream: "http://10.96.88.21:8080/api/checkout", host: "shop.example.com"
{"level":"info","time":"2026-11-23T11:26:46.310Z","pid":1,"hostname":"checkout","msg":"loaded config","database":{"host":"postgres","port":5432,"name":"orders","user":"checkout","ssl":false}}
{"level":"info","msg":"token refreshed","token_ttl_seconds":3600,"secret_name":"db-credentials","password_policy":"strict","tokens":3}
INFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)
I1123 11:26:46.123456       1 server.go:42] "Using iptables proxy" ipFamily="IPv4" authorization-mode=Webhook
WARN bearer token missing; falling back to anonymous auth (see docs)
Error: connect ECONNREFUSED 10.96.112.34:5432
    at async Database.connect (/app/dist/db/client.js:27:22)
checksum/secret: 2f3a9c8b7d6e5f4a3b2c1d0e9f8a7b6c
automountServiceAccountToken: false
password: <none>   token: ***   secret: [FILTERED]   api_key: \${API_KEY}   pwd: $(PWD_FROM_ENV)
`;

// ---------------------------------------------------------------- tests
