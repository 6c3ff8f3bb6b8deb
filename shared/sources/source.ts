// The metric-source port: a source reads one number; the engine decides what it
// means. A failure is a SourceError whose message says what and where.
import type { CredentialFactory } from '../identity.js';
import type { Settings } from '../config/settings.js';

export interface Source {
  /** The current metric value (e.g. a queue length). Throws SourceError. */
  read(signal?: AbortSignal): Promise<number>;
}

export interface SourceDeps {
  credentialFor: CredentialFactory;
  /** App settings, for connectionFromEnv (local development). */
  settings: Settings;
  /** How long one read may take (the source's own default otherwise). */
  timeoutMs?: number | undefined;
}
