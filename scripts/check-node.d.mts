// Types of check-node.mjs, for cli/main.ts and vitest.config.ts (TypeScript reads no .mjs without allowJs).

/** The least [major, minor, patch] a `>=X[.Y[.Z]]` range allows, or undefined for any other range. */
export declare function minimumOf(range: string | undefined): [number, number, number] | undefined;
/** The engines.node range of package.json. */
export declare function requiredRange(): string | undefined;
/** The one line saying this Node is too old and how to get a newer one; undefined when it is new enough. */
export declare function nodeVersionProblem(version?: string, range?: string, execPath?: string): string | undefined;
/** Exits with code 1 and the one line on stderr when this Node is too old. */
export declare function requireSupportedNode(): void;
