// How the app is bundled, in one place: scripts/bundle.mjs bundles the function entry points
// with these options, and the tick benchmark bundles its scaler worker with the same ones
// (bench/tick.ts), so that the worker's memory and start-up are the shipped app's.

/** esbuild options for a Node 22 ESM bundle with every dependency inside. */
export const appBundleOptions = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  // Provided by the Functions worker at run time.
  external: ['@azure/functions-core'],
  // Bundled CommonJS dependencies require() Node built-ins and read __dirname (applicationinsights
  // looks for its JSON config next to itself): give every ESM file the CommonJS names.
  banner: {
    js: [
      "import { createRequire as __bundleRequire } from 'node:module';",
      "import { fileURLToPath as __bundlePath } from 'node:url';",
      "import { dirname as __bundleDir } from 'node:path';",
      'const require = __bundleRequire(import.meta.url);',
      'const __filename = __bundlePath(import.meta.url);',
      'const __dirname = __bundleDir(__filename);',
    ].join(' '),
  },
  // Without comments and indentation the code V8 holds as each script's source is less than
  // two thirds of the size, and all ASCII: the dependencies' comments hold a few non-Latin-1
  // characters (’, —), and one is enough for V8 to keep the whole 13.7 MB source in two bytes a
  // character (bench/README.md, goal 4). Names are kept, so stack traces still read.
  minifyWhitespace: true,
  // Their license comments (with non-ASCII names) go to a .LEGAL.txt beside each file instead.
  legalComments: 'external',
  logLevel: 'warning',
};
