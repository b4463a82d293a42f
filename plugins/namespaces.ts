/**
 * The `namespaces` policy: commands may read only inside the listed
 * namespaces. `-A`, cluster-scoped resources (nodes, namespaces, CRDs…) and
 * commands whose namespaces cannot be known are denied. Namespace-scoped API
 * keys are enforced by the core whether or not this policy is configured;
 * this policy scopes everyone.
 */
import { namespaceScopeProblem } from "../lib/kubectl/index.ts";
import { allow, definePolicy, deny } from "../lib/policy.ts";

/** Options for {@link namespaces}. */
export interface NamespacesOptions {
  /** The namespaces commands may read. */
  allow: string[];
}

/** Creates the `namespaces` policy. */
export const namespaces = (options: NamespacesOptions) => {
  if (!options?.allow?.length) throw new Error("namespaces policy needs a non-empty allow list");
  const allowed = Object.freeze([...options.allow]);
  return definePolicy({
    id: "namespaces",
    description: `Commands read only inside ${allowed.join(", ")}`,
    before: ({ argv }) => {
      const problem = namespaceScopeProblem(argv, allowed);
      return problem ? deny(problem) : allow();
    },
  });
};

export default namespaces;
