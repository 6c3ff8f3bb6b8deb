// Settings for local runs: local.settings.json "Values" (as `func start` reads them) under the
// process environment, which wins.
import { readFile } from 'node:fs/promises';
import type { Settings } from '../shared/config/index.js';
import { ConfigError } from '../shared/errors/index.js';

const DEFAULT_SETTINGS_FILE = 'local.settings.json';

async function readLocalSettings(path: string, required: boolean): Promise<Settings> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (!required && (e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError(path, '', `cannot read: ${(e as Error).message}`);
  }
  let values: unknown;
  try {
    values = (JSON.parse(text) as { Values?: unknown }).Values;
  } catch (e) {
    throw new ConfigError(path, '', `not valid JSON: ${(e as Error).message}`);
  }
  if (values === undefined) return {};
  if (typeof values !== 'object' || values === null || Array.isArray(values)) throw new ConfigError(path, 'Values', 'must be an object of app settings');
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)]));
}

export async function loadSettings(path: string | undefined): Promise<Settings> {
  const file = await readLocalSettings(path ?? DEFAULT_SETTINGS_FILE, path !== undefined);
  return { ...file, ...process.env };
}
