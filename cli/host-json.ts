// The project's host.json, so the local host polls wake queues with the settings the Functions
// host uses.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** host.json of the package this file belongs to (found upwards from src or dist). */
export async function readHostJson(): Promise<unknown> {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'host.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return {};
    dir = parent;
  }
  return JSON.parse(await readFile(join(dir, 'host.json'), 'utf8')) as unknown;
}
