/**
 * `kubectl get -o yaml`: cli-runtime's YAMLPrinter calls `sigs.k8s.io/yaml`
 * Marshal, which turns the object into JSON and that JSON into YAML with a
 * go-yaml v2 fork. The rules of that encoder live in `_go-yaml.ts`.
 */
import { emitYaml } from "./_go-yaml.ts";
import { type PrintOptions, omitManagedFields, toJsonValue } from "./_values.ts";

export { type ListObject, type PrintOptions, asListObject, getOutputObject } from "./_values.ts";

/**
 * Prints `value` exactly as `kubectl get -o yaml` prints that object (or
 * {@link asListObject} list) as the API server returned it, trailing newline
 * included. Integers beyond 2^53 keep their digits only when given as bigint.
 *
 * @throws KubentlyError `BAD_REQUEST` with message `yaml: control characters are not allowed`
 * when a string holds DEL, a C1 control other than NEL, U+FFFE or U+FFFF:
 * kubectl fails the same way (`error: yaml: control characters are not allowed`).
 */
export function printYaml(value: unknown, options: PrintOptions = {}): string {
  return emitYaml(toJsonValue(options.showManagedFields ? value : omitManagedFields(value)));
}
