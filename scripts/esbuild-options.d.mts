// Types of esbuild-options.mjs, for bench/tick.ts (TypeScript reads no .mjs without allowJs).
import type { BuildOptions } from 'esbuild';

export declare const appBundleOptions: Readonly<BuildOptions>;
