/**
 * `get` with template outputs and `--sort-by`, as parity cases against the
 * simulated cluster (non-Secret objects): the native executor
 * (test/unit/native-parity.test.ts) and the kubectl executor, which
 * evaluates them itself on kubectl's JSON (test/unit/template-outputs.test.ts),
 * must print what the real kubectl prints.
 *
 * None depends on Go's map order, which kubectl walks at random (a `*` or
 * `..` over an object with several keys): there Kubently's order (the keys
 * sorted) is one of kubectl's possible outputs, not its only one.
 */
export const TEMPLATE_CASES: readonly (readonly string[])[] = [
  // jsonpath: paths, wildcards, slices, filters, ranges, literal text, quoting, escapes.
  ["get", "pods", "-A", "-o", "jsonpath={.items[*].metadata.name}"],
  ["get", "pods", "-n", "shop", "-o", 'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}'],
  ["get", "pods", "-A", "-o", 'jsonpath={.items[?(@.status.phase=="Running")].metadata.name}'],
  ["get", "pods", "-A", "-o", "jsonpath={.items[?(@.status.phase!='Running')].metadata.name}"],
  ["get", "pods", "-A", "-o", "jsonpath={.items[?(@.status.containerStatuses[0].restartCount>3)].metadata.name}"],
  ["get", "pods", "-A", "-o", "jsonpath={.items[?(@.spec.nodeName)].spec.nodeName}"],
  ["get", "pods", "-n", "shop", "-o", "jsonpath={.items[0].spec.containers[0].image}"],
  ["get", "pods", "-n", "shop", "-o", "jsonpath={.items[-1:].metadata.name}"],
  ["get", "pods", "-n", "shop", "-o", "jsonpath={.items[0:2].metadata.name}"],
  ["get", "pods", "-n", "shop", "-o", "jsonpath={.items[::2].metadata.name}"],
  ["get", "pods", "-n", "shop", "-o", "jsonpath={$.items[1,3].metadata.name}"],
  ["get", "pods", "-n", "shop", "-o", "jsonpath={.items[0].metadata.labels}"],
  ["get", "pods", "-n", "shop", "-o", "jsonpath={.items[0].metadata['name', 'namespace']}"],
  ["get", "pods", "-n", "shop", "-o", "jsonpath={.items[*].spec.containers[*].image}"],
  ["get", "pods", "-n", "shop", "-o", "jsonpath={.items[0].spec.containers[0].ports}"],
  ["get", "pods", "-n", "shop", "-o", "jsonpath={.items[0].status.containerStatuses[0].ready} {.items[0].status.containerStatuses[0].restartCount}"],
  ["get", "pods", "-n", "shop", "-o", 'jsonpath=Names: {.items[*].metadata.name}{"\\n"}'],
  ["get", "pods", "-n", "shop", "-o", "jsonpath={range .items[*]}{.metadata.name}{':'}{range .spec.containers[*]}{.name},{end}{'\\n'}{end}"],
  ["get", "pods", "-n", "shop", "-o", "jsonpath={.items[0].metadata.labels.pod-template-hash}"],
  ["get", "pods", "-n", "shop", "-o", "jsonpath={.items[0].spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds}"],
  ["get", "nodes", "-o", 'jsonpath={.items[*].status.addresses[?(@.type=="InternalIP")].address}'],
  ["get", "nodes", "-o", 'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.status.capacity.cpu}{"\\t"}{.status.capacity.memory}{"\\n"}{end}'],
  ["get", "deploy", "-A", "-o", 'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}: {.status.readyReplicas}/{.spec.replicas}{"\\n"}{end}'],
  ["get", "deploy", "web", "-n", "shop", "-o", "jsonpath={.spec.template.spec.containers[0].image}"],
  ["get", "deploy", "web", "-n", "shop", "-o", "jsonpath={.status.conditions[?(@.type==\"Available\")].status}"],
  ["get", "svc", "-A", "-o", 'jsonpath={range .items[*]}{.metadata.name}:{.spec.ports[*].port}{"\\n"}{end}'],
  ["get", "cm", "-n", "shop", "-o", "jsonpath={.items[*].metadata.name}"],
  ["get", "pods", "-n", "shop", "-o", "jsonpath={.items[*].status.containerStatuses[*].restartCount}", "--sort-by=.status.containerStatuses[0].restartCount"],
  ["get", "pods", "-n", "shop", "-o", "jsonpath-as-json={.items[*].metadata.name}"],
  ["get", "svc", "-n", "shop", "-o", "jsonpath-as-json={.items[0].spec.ports}"],
  ["get", "pods", "-n", "empty", "-o", "jsonpath={range .items[*]}{.metadata.name}{end}"],
  // Missing keys: allowed by default, an error (with kubectl's object dump) when not.
  ["get", "pods", "-n", "shop", "-o", "jsonpath={.items[0].nope}"],
  ["get", "deploy", "web", "-n", "shop", "-o", "jsonpath={.status.nope}", "--allow-missing-template-keys=false"],
  // Malformed templates and evaluation errors: kubectl's messages.
  ["get", "pods", "-n", "shop", "-o", "jsonpath={.items[0]"],
  ["get", "pods", "-n", "shop", "-o", "jsonpath={.items[0].metadata.name[0]}"],
  ["get", "pod", "nope", "-n", "shop", "-o", "jsonpath={.metadata.name}"],
  ["get", "pods", "-n", "shop", "-o", "jsonpath={.items[*].metadata.name}", "--show-labels"],
  // custom-columns.
  ["get", "pods", "-n", "shop", "-o", "custom-columns=NAME:.metadata.name,STATUS:.status.phase,NODE:.spec.nodeName"],
  ["get", "pods", "-A", "-o", "custom-columns=NS:.metadata.namespace,NAME:.metadata.name,RESTARTS:.status.containerStatuses[*].restartCount", "--no-headers"],
  ["get", "pods", "-n", "shop", "-o", "custom-columns=NAME:metadata.name,LABELS:{.metadata.labels},MISSING:.spec.nope,PORTS:.spec.containers[0].ports"],
  ["get", "nodes", "-o", "custom-columns=NAME:.metadata.name,CPU:.status.capacity.cpu,MEM:.status.capacity.memory"],
  ["get", "deploy", "-A", "-o", "custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas", "--sort-by=.spec.replicas"],
  ["get", "all", "-n", "shop", "-o", "custom-columns=KIND:.kind,NAME:.metadata.name"],
  ["get", "deploy", "web", "-n", "shop", "-o", "custom-columns=NAME:.metadata.name,IMAGE:.spec.template.spec.containers[*].image"],
  ["get", "pods", "-n", "shop", "-o", "custom-columns=NAME"],
  ["get", "pods", "-n", "shop", "-o", "custom-columns=NAME:{.metadata.name}{.x}"],
  // --sort-by: tables (rows by their objects), strings, numbers, quantities, times, ties.
  ["get", "pods", "-A", "--sort-by=.metadata.name"],
  ["get", "pods", "-A", "--sort-by=.metadata.creationTimestamp"],
  ["get", "pods", "-A", "--sort-by=.status.containerStatuses[0].restartCount", "-o", "wide"],
  ["get", "pods", "-A", "--sort-by={.spec.containers[0].resources.requests.memory}", "--no-headers"],
  ["get", "pods", "-A", "--sort-by=spec.containers[0].resources.limits.cpu"],
  ["get", "nodes", "--sort-by=.status.capacity.memory"],
  ["get", "svc", "-A", "--sort-by=.spec.clusterIP", "--no-headers"],
  ["get", "pods", "-n", "shop", "--sort-by=.metadata.name", "-L", "app", "--show-labels"],
  ["get", "pods", "-n", "shop", "-o", "name", "--sort-by=.metadata.creationTimestamp"],
  ["get", "pods", "-n", "shop", "-o", "json", "--sort-by=.metadata.name"],
  ["get", "pods", "-n", "shop", "-o", "yaml", "--sort-by=.status.startTime"],
  ["get", "pods,svc", "-n", "shop", "--sort-by=.metadata.name"],
  ["get", "pods", "-n", "shop", "--sort-by=.nope"],
  ["get", "pods", "-n", "shop", "-o", "name", "--sort-by=.nope"],
  ["get", "pods", "-n", "shop", "-o", "name", "--sort-by={.metadata.name"],
];
