/**
 * The `ingress-backend` analyzer: Ingress rules that point at nothing. The
 * API server accepts an Ingress naming any Service and port; the controller
 * then answers 503 (or 404) for those paths while the Ingress looks fine.
 *
 * - `IngressMissingService`: a rule's path or the default backend names a
 *   Service that does not exist in the Ingress's namespace.
 * - `IngressMissingPort`: the Service exists but has no port with that number
 *   (or name).
 *
 * One finding per (Ingress, Service) or (Ingress, Service:port), listing
 * every host and path routed there. Backends that are resources rather than
 * Services are not checked.
 */
import type { KubeObject } from "../../lib/kube/index.ts";
import { type Finding, confirm, defineAnalyzer, finding } from "../../lib/diagnose/index.ts";

/** Route lines kept per finding. */
const MAX_ROUTES = 6;

interface Backend {
  /** `shop.example.com/api` or `default backend`. */
  route: string;
  service: string;
  port: { number?: number; name?: string };
}

const portText = (p: Backend["port"]): string => (p.number !== undefined ? String(p.number) : (p.name ?? "?"));

/** The Service backends of an Ingress (networking.k8s.io/v1), in rule order. */
function backendsOf(ing: KubeObject): Backend[] {
  const spec = (ing.spec ?? {}) as { defaultBackend?: unknown; rules?: unknown };
  const out: Backend[] = [];
  const read = (route: string, backend: unknown) => {
    const svc = (backend as { service?: { name?: unknown; port?: { number?: unknown; name?: unknown } } } | undefined)?.service;
    if (!svc || typeof svc.name !== "string" || svc.name === "") return;
    const port: Backend["port"] = {};
    if (typeof svc.port?.number === "number") port.number = svc.port.number;
    else if (typeof svc.port?.name === "string" && svc.port.name !== "") port.name = svc.port.name;
    out.push({ route, service: svc.name, port });
  };
  read("default backend", spec.defaultBackend);
  for (const rule of Array.isArray(spec.rules) ? (spec.rules as { host?: unknown; http?: { paths?: unknown } }[]) : []) {
    const host = typeof rule?.host === "string" && rule.host ? rule.host : "*";
    for (const p of Array.isArray(rule?.http?.paths) ? (rule.http.paths as { path?: unknown; backend?: unknown }[]) : []) {
      read(`${host}${typeof p?.path === "string" && p.path ? p.path : "/"}`, p?.backend);
    }
  }
  return out;
}

/** A Service's ports as evidence: `80/TCP (http) -> 8080`. */
function portsOf(svc: KubeObject): { number: number; name?: string; line: string }[] {
  const ports = ((svc.spec ?? {}) as { ports?: unknown }).ports;
  return (Array.isArray(ports) ? (ports as { port?: unknown; name?: unknown; protocol?: unknown; targetPort?: unknown }[]) : [])
    .filter((p) => typeof p?.port === "number")
    .map((p) => ({
      number: p.port as number,
      ...(typeof p.name === "string" && p.name ? { name: p.name } : {}),
      line: `${String(p.port)}/${String(p.protocol ?? "TCP")}${typeof p.name === "string" && p.name ? ` (${p.name})` : ""}${p.targetPort !== undefined ? ` -> ${String(p.targetPort)}` : ""}`,
    }));
}

export const ingressBackend = defineAnalyzer({
  id: "ingress-backend",
  description: "Ingress rules whose backend Service or Service port does not exist",
  codes: { IngressMissingService: "critical", IngressMissingPort: "critical" },
  kinds: ["ingresses", "services"],
  analyze(snapshot) {
    const findings: Finding[] = [];
    for (const ing of snapshot.list("ingresses")) {
      const ns = ing.metadata.namespace ?? "";
      const name = ing.metadata.name;
      // Problems in rule order, routes grouped per problem.
      const problems = new Map<string, { code: "IngressMissingService" | "IngressMissingPort"; service: string; port: string; routes: string[]; svc?: KubeObject }>();
      for (const b of backendsOf(ing)) {
        const svc = snapshot.get("services", ns, b.service);
        let key: string;
        let code: "IngressMissingService" | "IngressMissingPort";
        if (!svc) {
          key = b.service;
          code = "IngressMissingService";
        } else {
          const ports = portsOf(svc);
          // An ExternalName Service often declares no port: the controller uses the Ingress's.
          if (((svc.spec ?? {}) as { type?: unknown }).type === "ExternalName" && ports.length === 0) continue;
          const ok = b.port.number !== undefined ? ports.some((p) => p.number === b.port.number) : b.port.name !== undefined ? ports.some((p) => p.name === b.port.name) : true;
          if (ok) continue;
          key = `${b.service}:${portText(b.port)}`;
          code = "IngressMissingPort";
        }
        const route = `${b.route} -> ${b.service}:${portText(b.port)}`;
        const had = problems.get(key);
        if (had) {
          if (!had.routes.includes(route)) had.routes.push(route);
        } else problems.set(key, { code, service: b.service, port: portText(b.port), routes: [route], ...(svc ? { svc } : {}) });
      }
      for (const [detail, p] of problems) {
        const routes = p.routes.slice(0, MAX_ROUTES);
        if (p.routes.length > MAX_ROUTES) routes.push(`(+${p.routes.length - MAX_ROUTES} more routes)`);
        if (p.code === "IngressMissingService") {
          const others = snapshot
            .inNamespace("services", ns)
            .map((s) => s.metadata.name)
            .sort();
          findings.push(
            finding("ingress-backend", {
              code: p.code,
              severity: "critical",
              kind: "Ingress",
              namespace: ns,
              name,
              detail,
              title: `Ingress ${name} routes to Service ${p.service}, which does not exist`,
              evidence: [
                ...routes,
                others.length ? `services in ${ns}: ${others.slice(0, 15).join(", ")}${others.length > 15 ? `, +${others.length - 15} more` : ""}` : `no services in namespace ${ns}`,
              ],
              confirm: [confirm.describe("ingress", name, ns), confirm.get("service", p.service, ns), ["get", "services", "-n", ns]],
              hint: `Create Service ${p.service} in namespace ${ns}, or point the Ingress at the right Service name (an Ingress can only route to Services in its own namespace).`,
            }),
          );
        } else {
          const ports = p.svc ? portsOf(p.svc) : [];
          findings.push(
            finding("ingress-backend", {
              code: p.code,
              severity: "critical",
              kind: "Ingress",
              namespace: ns,
              name,
              detail,
              title: `Ingress ${name} routes to port ${p.port} of Service ${p.service}, which has no such port`,
              evidence: [...routes, ports.length ? `service ${p.service} ports: ${ports.map((x) => x.line).join(", ")}` : `service ${p.service} has no ports`],
              confirm: [confirm.describe("ingress", name, ns), confirm.get("service", p.service, ns)],
              hint: `The Ingress backend must name one of the Service's ports (spec.ports[].port, or its name), not the container's targetPort: change the Ingress to one of the ports above, or add ${/^\d+$/.test(p.port) ? `port ${p.port}` : `a port named ${p.port}`} to the Service.`,
            }),
          );
        }
      }
    }
    return findings;
  },
});

export default ingressBackend;
