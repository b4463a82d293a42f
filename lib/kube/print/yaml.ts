/**
 * `kubectl get -o yaml`: cli-runtime's YAMLPrinter calls `sigs.k8s.io/yaml`
 * Marshal, which turns the object into JSON, parses that JSON with a go-yaml
 * v2 fork (`_go-yaml-read.ts`: what the parse changes or rejects) and encodes
 * the result with the same fork (`_go-yaml.ts`: quoting, key order, folding).
 */
import { readBackJson } from "./_go-yaml-read.ts";
import { emitYaml } from "./_go-yaml.ts";
import { type PrintOptions, omitManagedFields, toJsonValue } from "./_values.ts";

export { type ListObject, type PrintOptions, asListObject, getOutputObject, itemsOf } from "./_values.ts";

/**
 * Prints `value` exactly as `kubectl get -o yaml` prints that object (or
 * {@link asListObject} list) as the API server returned it, trailing newline
 * included. Integers beyond 2^53 keep their digits only when given as bigint.
 *
 * @throws KubentlyError `BAD_REQUEST` whose message is what kubectl prints after
 * `error: ` when go-yaml cannot read Go's JSON of the object back: a string
 * holding DEL, a C1 control other than NEL, U+FFFE or U+FFFF (`yaml: control
 * characters are not allowed`), a map key holding NEL or longer than 1024
 * characters as JSON (`yaml: line N: did not find expected ',' or '}'`). See
 * `_go-yaml-read.ts`.
 */
export function printYaml(value: unknown, options: PrintOptions = {}): string {
  return emitYaml(readBackJson(toJsonValue(options.showManagedFields ? value : omitManagedFields(value))));
}
