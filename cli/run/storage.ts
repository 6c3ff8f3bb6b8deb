// UseDevelopmentStorage=true for `run`, as the Functions tooling means it: Azurite on its standard
// ports of 127.0.0.1, which the Azure SDKs resolve that setting to (so `plan`, `status`, Azure
// Storage Explorer and the az CLI all see the same queues and state). The Azurite already running
// there is used; when none answers, one is started for the run and keeps its data in .azurite/
// of the current folder, so cooldowns, history and queues survive a restart of `run`.
import { resolve } from 'node:path';
import type { Settings } from '../../shared/config/index.js';
import { useDevelopmentStorage, type DevelopmentStorage } from '../../local/development-storage.js';

const DEV_STORAGE = /^\s*UseDevelopmentStorage=true\s*$/i;

/** Where an Azurite started by `run` keeps its data (git-ignored). */
export const AZURITE_FOLDER = '.azurite';

/** The settings whose value is UseDevelopmentStorage=true. */
export const developmentStorageKeys = (settings: Settings): string[] => Object.keys(settings).filter((k) => DEV_STORAGE.test(settings[k] ?? '')).sort();

/** One line: which Azurite the settings in `keys` use, found or started, and where its data is. */
export function describeDevelopmentStorage(keys: readonly string[], storage: DevelopmentStorage): string {
  const entries = Object.entries(storage.services).sort(([, a], [, b]) => a.port - b.port);
  const ports = (found: 'running' | 'started'): string =>
    entries.filter(([, s]) => s.found === found).map(([service, s]) => `${s.port} (${service})`).join(' and ');
  const running = ports('running');
  const started = ports('started');
  return `UseDevelopmentStorage=true (${keys.join(', ')}): `
    + (running ? `using the Azurite already running on 127.0.0.1:${running}` : '')
    + (running && started ? '; ' : '')
    + (started ? `no Azurite answered on 127.0.0.1:${started}, so one was started for this run, keeping its data in ${storage.location} (stopped with the run)` : '');
}

/**
 * Azurite for the settings that say UseDevelopmentStorage=true (undefined when none does): found
 * or started (local/development-storage.ts), and said in one line.
 */
export async function ensureDevelopmentStorage(settings: Settings, log: (line: string) => void, location = resolve(AZURITE_FOLDER)): Promise<DevelopmentStorage | undefined> {
  const keys = developmentStorageKeys(settings);
  if (keys.length === 0) return undefined;
  const storage = await useDevelopmentStorage({ location });
  log(describeDevelopmentStorage(keys, storage));
  return storage;
}
