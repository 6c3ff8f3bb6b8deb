// What `import` does the same for every Azure trigger type of KEDA: carry the metadata keys KEDA
// reads but the connection strings, ignore the rest as KEDA does, drop an endpointSuffix KEDA
// ignores, and list the ways KEDA reaches the resource that the scaler's identity replaces.
import { isRecord, show } from '../schema/index.js';
import type { ImportNote } from './trigger-type.js';

/** Read by KEDA, replaced by the scaler's managed identity: never carried. */
const CONNECTION_KEYS = ['connectionFromEnv', 'connection'];

export const given = (v: unknown): boolean => v !== undefined && v !== null && v !== '';

/** A way KEDA reaches the resource that the scaler replaces: where it is in the trigger, and what it is in words. */
export interface Means {
  path: string;
  what: string;
}

export function authenticationRefMeans(trigger: Record<string, unknown>): Means {
  const ref = isRecord(trigger.authenticationRef) ? trigger.authenticationRef : undefined;
  return { path: 'authenticationRef', what: `${typeof ref?.kind === 'string' ? ref.kind : 'TriggerAuthentication'} ${show(ref?.name)}` };
}

/** Every way in a trigger gives: its authenticationRef, connectionFromEnv, connection (whose value, a key, is never repeated). */
export function connectionMeans(trigger: Record<string, unknown>, source: Record<string, unknown>): Means[] {
  return [
    ...(trigger.authenticationRef !== undefined ? [authenticationRefMeans(trigger)] : []),
    ...(given(source.connectionFromEnv) ? [{ path: 'metadata.connectionFromEnv', what: `the connection string in the workload's environment variable ${show(source.connectionFromEnv)}` }] : []),
    ...(given(source.connection) ? [{ path: 'metadata.connection', what: 'a connection string in metadata.connection' }] : []),
  ];
}

/** The metadata carried over (KEDA's keys but the connection strings), and a note per key left. */
export function carriedMetadata(typeName: string, source: Record<string, unknown>, kedaKeys: readonly string[]): { metadata: Record<string, unknown>; notes: ImportNote[] } {
  const notes: ImportNote[] = [];
  const metadata: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (!kedaKeys.includes(key)) notes.push({ path: `metadata.${key}`, outcome: 'ignored', message: `is not an ${typeName} metadata key KEDA reads` });
    else if (!CONNECTION_KEYS.includes(key)) metadata[key] = value;
  }
  if (given(source.endpointSuffix) && String(source.cloud ?? '').trim().toLowerCase() !== 'private') {
    delete metadata.endpointSuffix;
    notes.push({ path: 'metadata.endpointSuffix', outcome: 'ignored', message: `is only used with cloud: Private (KEDA ignores it with ${given(source.cloud) ? `cloud ${show(source.cloud)}` : 'the default cloud'})` });
  }
  return { metadata, notes };
}
