// `run` reloads its settings when the files they come from change. By polling each file's
// modification time and size once a second (fs.watchFile), not with fs.watch: editors save by
// writing a new file and renaming it over the old one, which ends an fs.watch on the old file
// (inotify follows the inode) and, on some platforms and mounts (network file systems, Docker
// Desktop's bind mounts), fs.watch sees no events at all; and one save often fires several
// events. A stat a second costs nothing, sees every way of saving, a file that appears later,
// and a save is one change. The price is up to a second before a change is seen.
import { unwatchFile, watchFile, type Stats } from 'node:fs';
import { resolve } from 'node:path';

export const SETTINGS_POLL_MS = 1_000;

/** Calls `onChange(file)` when one of `files` is created, changed or removed; returns a stop. */
export function watchSettingsFiles(files: readonly string[], onChange: (file: string) => void, intervalMs = SETTINGS_POLL_MS): () => void {
  const watched = [...new Set(files.map((f) => resolve(f)))];
  const listeners = watched.map((file) => {
    const listener = (now: Stats, before: Stats): void => {
      if (now.mtimeMs !== before.mtimeMs || now.size !== before.size || now.ino !== before.ino) onChange(file);
    };
    watchFile(file, { interval: intervalMs, persistent: true }, listener);
    return { file, listener };
  });
  return () => {
    for (const { file, listener } of listeners) unwatchFile(file, listener);
  };
}
