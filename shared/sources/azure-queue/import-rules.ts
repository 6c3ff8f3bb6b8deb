// `import` for azure-queue triggers: which of KEDA's metadata keys carry over, and how the
// scaler's managed identity takes the place of KEDA's ways to reach the queue.
// - The keys KEDA reads (azure_queue_scaler.go) carry over, except the connection strings; any
//   other key is ignored, as KEDA ignores it.
// - endpointSuffix without cloud: Private is ignored by KEDA; the configuration refuses it.
// - The scaler reads the queue with its own identity, so it needs the storage account: with
//   accountName, authenticationRef / connectionFromEnv / connection are replaced (a note says
//   which role to grant); without it the trigger is kept out, saying what to add. A placeholder
//   account would load and then read the wrong account, or none.
import { isRecord, show } from '../../schema/index.js';
import type { ImportedTrigger, ImportNote } from '../trigger-type.js';
import { grants } from './grants.js';

/** The azure-queue metadata keys KEDA reads; it ignores any other. */
const KEDA_KEYS = ['queueName', 'queueLength', 'activationQueueLength', 'queueLengthStrategy', 'accountName', 'cloud', 'endpointSuffix', 'connectionFromEnv', 'connection'];
/** Read by KEDA, replaced by the scaler's managed identity: not carried. */
const CONNECTION_KEYS = ['connectionFromEnv', 'connection'];

const IDENTITY_HINT = `grant its identity ${grants.read.name} on the queue (set metadata.identityClientId to pick a user-assigned identity)`;

const given = (v: unknown): boolean => v !== undefined && v !== null && v !== '';

export function importAzureQueueTrigger(trigger: Record<string, unknown>): ImportedTrigger {
  const notes: ImportNote[] = [];
  const source = isRecord(trigger.metadata) ? trigger.metadata : {};
  const metadata: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (!KEDA_KEYS.includes(key)) notes.push({ path: `metadata.${key}`, outcome: 'ignored', message: 'is not an azure-queue metadata key KEDA reads' });
    else if (!CONNECTION_KEYS.includes(key)) metadata[key] = value;
  }
  if (given(source.endpointSuffix) && String(source.cloud ?? '').trim().toLowerCase() !== 'private') {
    delete metadata.endpointSuffix;
    notes.push({ path: 'metadata.endpointSuffix', outcome: 'ignored', message: `is only used with cloud: Private (KEDA ignores it with ${given(source.cloud) ? `cloud ${show(source.cloud)}` : 'the default cloud'})` });
  }
  // Who reads the queue: the scaler's managed identity, which needs the account name.
  const ref = isRecord(trigger.authenticationRef) ? trigger.authenticationRef : undefined;
  const means = [
    ...(trigger.authenticationRef !== undefined ? [{ path: 'authenticationRef', what: `${typeof ref?.kind === 'string' ? ref.kind : 'TriggerAuthentication'} ${show(ref?.name)}` }] : []),
    ...(given(source.connectionFromEnv) ? [{ path: 'metadata.connectionFromEnv', what: `the connection string in the workload's environment variable ${show(source.connectionFromEnv)}` }] : []),
    // The value is an account key: never repeated.
    ...(given(source.connection) ? [{ path: 'metadata.connection', what: 'a connection string in metadata.connection' }] : []),
  ];
  if (!given(source.accountName)) {
    const how = means.length > 0 ? `reads its queue with ${means.map((m) => m.what).join(' and ')}` : 'gives no way to reach its queue';
    notes.push({ path: '', outcome: 'trigger-kept-out', message: `${how} and names no accountName. The scaler reads queues with its managed identity, so it needs the storage account: add metadata.accountName (the AccountName of that connection string), and ${IDENTITY_HINT}` });
    return { notes };
  }
  for (const m of means) {
    notes.push({ path: m.path, outcome: 'replaced', message: `the scaler reads queue ${show(source.queueName)} of account ${show(source.accountName)} with its managed identity instead of ${m.what}: ${IDENTITY_HINT}` });
  }
  return { metadata, notes };
}
