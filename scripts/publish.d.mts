// Types of publish.mjs, for test/deploy/publish.test.ts (TypeScript reads no .mjs without allowJs).

/** The Core Tools' runtime flag for Node, which the publish command line carries. */
export declare const RUNTIME_FLAG: '--javascript';
/** The arguments for `func`, from the ones after `npm run publish:azure --`; throws with the reason when they cannot work. */
export declare function publishArguments(args: string[]): string[];
