import { describe, expect, test } from "bun:test";
import { ingressBackend } from "../../../plugins/analyzers/ingress-backend.ts";
import type { KubeObject } from "../../../lib/kube/index.ts";
import { ago, expectWellFormed, findingsOf } from "../../_analyzers.ts";

const NS = "shop";

function service(name: string, ports: { port: number; name?: string; targetPort?: number | string }[], o: { type?: string } = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: NS, uid: `uid-${name}`, creationTimestamp: ago(86_400) },
    spec: {
      type: o.type ?? "ClusterIP",
      ...(o.type === "ExternalName" ? { externalName: "legacy.example.com" } : { selector: { app: name }, clusterIP: "10.96.0.20" }),
      ...(ports.length ? { ports: ports.map((p) => ({ protocol: "TCP", ...p })) } : {}),
    },
    status: { loadBalancer: {} },
  };
}

type Be = { service: { name: string; port: { number?: number; name?: string } } };
const be = (name: string, port: number | string): Be => ({ service: { name, port: typeof port === "number" ? { number: port } : { name: port } } });

function ingress(name: string, rules: { host?: string; paths: { path: string; backend: Be | { resource: unknown } }[] }[], defaultBackend?: Be): KubeObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace: NS, uid: `uid-ing-${name}`, creationTimestamp: ago(86_400), generation: 1 },
    spec: {
      ingressClassName: "nginx",
      ...(defaultBackend ? { defaultBackend } : {}),
      rules: rules.map((r) => ({ ...(r.host ? { host: r.host } : {}), http: { paths: r.paths.map((p) => ({ path: p.path, pathType: "Prefix", backend: p.backend })) } })),
    },
    status: { loadBalancer: { ingress: [{ ip: "203.0.113.10" }] } },
  };
}

describe("ingress-backend", () => {
  test("an Ingress pointing at existing Service ports (by number and by name) gives nothing", async () => {
    const objs = [
      service("web", [{ port: 80, name: "http", targetPort: 8080 }]),
      service("api", [{ port: 8080, name: "grpc" }]),
      service("legacy", [], { type: "ExternalName" }),
      ingress(
        "shop",
        [
          { host: "shop.example.com", paths: [{ path: "/", backend: be("web", 80) }, { path: "/api", backend: be("api", "grpc") }, { path: "/old", backend: be("legacy", 443) }] },
          { paths: [{ path: "/static", backend: { resource: { apiGroup: "k8s.example.com", kind: "StorageBucket", name: "static" } } }] },
        ],
        be("web", "http"),
      ),
    ];
    expect(await findingsOf(ingressBackend, objs)).toEqual([]);
  });

  test("IngressMissingService: one finding per missing Service, every route listed", async () => {
    const objs = [
      service("web", [{ port: 80, name: "http" }]),
      service("cart", [{ port: 80 }]),
      ingress("shop", [
        { host: "shop.example.com", paths: [{ path: "/", backend: be("web", 80) }, { path: "/api", backend: be("api", 8080) }] },
        { host: "api.example.com", paths: [{ path: "/", backend: be("api", 8080) }] },
      ], be("fallback", 80)),
    ];
    const findings = await findingsOf(ingressBackend, objs);
    expect(findings.map((f) => f.id)).toEqual(["ingress-backend/IngressMissingService/shop/Ingress/shop/api", "ingress-backend/IngressMissingService/shop/Ingress/shop/fallback"]);
    const api = findings[0]!;
    expect(api).toMatchObject({ code: "IngressMissingService", severity: "critical", namespace: NS, resource: { kind: "Ingress", name: "shop" } });
    expect(api.title).toBe("Ingress shop routes to Service api, which does not exist");
    expect(api.evidence).toEqual(["shop.example.com/api -> api:8080", "api.example.com/ -> api:8080", "services in shop: cart, web"]);
    expect(api.confirm).toEqual([
      ["describe", "ingress", "shop", "-n", NS],
      ["get", "service", "api", "-n", NS],
      ["get", "services", "-n", NS],
    ]);
    expect(findings[1]!.evidence[0]).toBe("default backend -> fallback:80");
    await expectWellFormed(ingressBackend, findings);
  });

  test("IngressMissingPort: the targetPort used instead of the port, and an unknown port name", async () => {
    const objs = [
      service("web", [{ port: 80, name: "http", targetPort: 8080 }, { port: 443, name: "https", targetPort: 8443 }]),
      ingress("shop", [{ host: "shop.example.com", paths: [{ path: "/", backend: be("web", 8080) }, { path: "/admin", backend: be("web", "admin") }, { path: "/x", backend: be("web", 80) }] }]),
    ];
    const findings = await findingsOf(ingressBackend, objs);
    expect(findings).toHaveLength(2);
    const [byNumber, byName] = findings;
    expect(byNumber).toMatchObject({ id: "ingress-backend/IngressMissingPort/shop/Ingress/shop/web:8080", code: "IngressMissingPort", severity: "critical" });
    expect(byNumber!.title).toBe("Ingress shop routes to port 8080 of Service web, which has no such port");
    expect(byNumber!.evidence).toEqual(["shop.example.com/ -> web:8080", "service web ports: 80/TCP (http) -> 8080, 443/TCP (https) -> 8443"]);
    expect(byNumber!.hint).toContain("targetPort");
    expect(byName!.id).toBe("ingress-backend/IngressMissingPort/shop/Ingress/shop/web:admin");
    expect(byName!.evidence[0]).toBe("shop.example.com/admin -> web:admin");
    expect(byName!.hint).toContain("add a port named admin");
    expect(byNumber!.confirm).toEqual([
      ["describe", "ingress", "shop", "-n", NS],
      ["get", "service", "web", "-n", NS],
    ]);
    await expectWellFormed(ingressBackend, findings);
  });

  test("a Service with no ports, a rule with no host, and an Ingress without rules", async () => {
    const [f] = await findingsOf(ingressBackend, [service("bare", []), ingress("x", [{ paths: [{ path: "/", backend: be("bare", 80) }] }])]);
    expect(f!.evidence).toEqual(["*/ -> bare:80", "service bare has no ports"]);
    expect(await findingsOf(ingressBackend, [{ ...ingress("empty", []), spec: {} } as KubeObject])).toEqual([]);
    expect(await findingsOf(ingressBackend, [{ ...ingress("odd", []), spec: { rules: [null, { http: { paths: "nope" } }, { http: { paths: [{ backend: {} }] } }] } } as KubeObject])).toEqual([]);
    const [g] = await findingsOf(ingressBackend, [ingress("none", [{ paths: [{ path: "/", backend: be("gone", 80) }] }])]);
    expect(g!.evidence).toEqual(["*/ -> gone:80", "no services in namespace shop"]);
  });

  test("a Service of the same name in another namespace does not count", async () => {
    const other = { ...service("web", [{ port: 80 }]), metadata: { name: "web", namespace: "other" } } as KubeObject;
    const [f] = await findingsOf(ingressBackend, [other, ingress("shop", [{ paths: [{ path: "/", backend: be("web", 80) }] }])]);
    expect(f!.code).toBe("IngressMissingService");
    expect(f!.hint).toContain("own namespace");
  });
});
