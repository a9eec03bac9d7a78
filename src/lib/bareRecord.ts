/**
 * The prototype of every bare record: no properties and no prototype of its own, frozen so nothing can be
 * added to it (it is behind millions of rows' fields).
 */
function Bare(): void {}
Bare.prototype = Object.freeze(Object.create(null) as object);

/**
 * An empty record of names to values with nothing inherited: "__proto__", "constructor" or "toString" are
 * names like any other (a CSV header or an attribute may use them), as with `Object.create(null)`. Unlike
 * `Object.create(null)`, which V8 keeps as a hash table from the start, it has fast properties: a row's four
 * attributes cost ~80 bytes instead of ~300, and reading them is a load, not a lookup (1M rows' fields are
 * made on every pass over a file).
 */
export function bareRecord<T>(): Record<string, T> {
  return new (Bare as unknown as new () => Record<string, T>)();
}
