// The metric-source port: a source reads one number (and, for a trigger with an age target, how
// long its oldest message has waited); the engine decides what it means. A
// failure is a SourceError whose message says what and where. A sender is the other direction,
// for the wake path's forward mode: a message passed on to a queue next to the one a trigger reads.
import type { TokenCredential } from '@azure/identity';
import type { CredentialFactory } from '../identity/index.js';
import type { Settings } from '../schema/index.js';

/** A reading with a second metric: the value, and the age in seconds of the oldest waiting message (0 when none waits). */
export interface AgedReading {
  value: number;
  age: number;
}

export interface Source {
  /** The current metric value (e.g. a queue length), with its oldest message's age when the trigger asks for it. Throws SourceError. */
  read(signal?: AbortSignal): Promise<number | AgedReading>;
}

export interface SourceDeps {
  credentialFor: CredentialFactory;
  /** App settings, for what the metadata names by setting (connectionFromEnv, local development). */
  settings: Settings;
  /** How long one read may take (the source's own default otherwise). */
  timeoutMs?: number | undefined;
}

export interface Sender {
  /** Sends `body` as it is to queue `queueName`, in the place the trigger reads from. Throws ScalerError. */
  send(queueName: string, body: string, signal?: AbortSignal): Promise<void>;
}

export interface SenderDeps {
  /** The identity that sends (the host's: forwarding is the wake path's work, not the scaler's). */
  credential: TokenCredential;
  settings: Settings;
  /** How long one send may take (the type's own default otherwise). */
  timeoutMs?: number | undefined;
}
