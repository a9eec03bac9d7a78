import { createRequire } from "node:module";

/**
 * Loads a CommonJS package with `require`, not `import`. Node's `import` of a CommonJS file first parses its
 * source (for its module syntax, then for its named exports) and only then compiles it; `require` compiles it
 * once. Measured on Node 20 (a process loading one package, two to three runs): @aws-sdk/client-connect
 * 283-331 ms imported against 182-230 ms required, bullmq 185-240 against 136-170, ioredis 120-135 against
 * 83-91. It is the module instance an `import` gives (one require cache), so classes and `instanceof` agree
 * across the process. Callers name the package's types with `typeof import("…")`.
 */
export const requirePackage = createRequire(import.meta.url);

/** A package required at its first use, then held: callers that build a command per row pay one look-up. */
export function lazyPackage<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= requirePackage(name) as T;
    return loaded;
  };
}
