// `import` for azure-queue triggers: which of KEDA's metadata keys carry over, and how the
// scaler's managed identity takes the place of KEDA's ways to reach the queue.
// - The keys KEDA reads (azure_queue_scaler.go) carry over, except the connection strings; any
//   other key is ignored, as KEDA ignores it.
// - endpointSuffix without cloud: Private is ignored by KEDA; the configuration refuses it.
// - The scaler reads the queue with its own identity, so it needs the storage account: with
//   accountName, authenticationRef / connectionFromEnv / connection are replaced (a note says
//   which role to grant); without it the trigger is kept out, saying what to add. A placeholder
//   account would load and then read the wrong account, or none. The configuration drops an
//   authenticationRef of a pasted ScaledObject by the same rule, with the same text
//   (azureQueueAuthenticationRef).
import { isRecord, show } from '../../schema/index.js';
import { authenticationRefMeans, carriedMetadata, connectionMeans, given, type Means } from '../import-rules.js';
import type { ImportedTrigger, ImportNote } from '../trigger-type.js';
import { grants } from './grants.js';

/** The azure-queue metadata keys KEDA reads; it ignores any other. */
const KEDA_KEYS = ['queueName', 'queueLength', 'activationQueueLength', 'queueLengthStrategy', 'accountName', 'cloud', 'endpointSuffix', 'connectionFromEnv', 'connection'];

/** Who reads the queue instead, and the role it needs: the scaler's identity, or the one metadata.identityClientId names. */
function identityHint(source: Record<string, unknown>): { who: string; grant: string } {
  if (given(source.identityClientId)) {
    return { who: `the user-assigned identity ${show(source.identityClientId)} of metadata.identityClientId`, grant: `grant it ${grants.read.name} on the queue` };
  }
  return { who: 'its managed identity', grant: `grant its identity ${grants.read.name} on the queue (set metadata.identityClientId to pick a user-assigned identity)` };
}

/** The note of a way in that is replaced: the queue is read with the scaler's identity instead. */
function replaced(source: Record<string, unknown>, m: Means): ImportNote {
  const { who, grant } = identityHint(source);
  return { path: m.path, outcome: 'replaced', message: `the scaler reads queue ${show(source.queueName)} of account ${show(source.accountName)} with ${who} instead of ${m.what}: ${grant}` };
}

/** The note of a trigger that names no account: the scaler's identity cannot replace its ways in. */
function keptOut(source: Record<string, unknown>, means: readonly Means[]): ImportNote {
  const how = means.length > 0 ? `reads its queue with ${means.map((m) => m.what).join(' and ')}` : 'gives no way to reach its queue';
  return { path: '', outcome: 'trigger-kept-out', message: `${how} and names no accountName. The scaler reads queues with its managed identity, so it needs the storage account: add metadata.accountName (${means.some((m) => m.path !== 'authenticationRef') ? 'the AccountName of that connection string' : 'the storage account that holds the queue'}), and ${identityHint(source).grant}` };
}

/**
 * KEDA's authenticationRef on an azure-queue trigger: replaced by the scaler's managed identity
 * (or metadata.identityClientId's) on metadata.accountName, which must be given.
 */
export function azureQueueAuthenticationRef(trigger: Record<string, unknown>): ImportNote {
  const source = isRecord(trigger.metadata) ? trigger.metadata : {};
  const means = authenticationRefMeans(trigger);
  return given(source.accountName) ? replaced(source, means) : keptOut(source, [means]);
}

export function importAzureQueueTrigger(trigger: Record<string, unknown>): ImportedTrigger {
  const source = isRecord(trigger.metadata) ? trigger.metadata : {};
  const { metadata, notes } = carriedMetadata('azure-queue', source, KEDA_KEYS);
  // Who reads the queue: the scaler's managed identity, which needs the account name. The
  // metadata carried is KEDA's: identityClientId is not among its keys, so the hint is the default one.
  const means = connectionMeans(trigger, source);
  if (!given(source.accountName)) return { notes: [...notes, keptOut(metadata, means)] };
  return { metadata, notes: [...notes, ...means.map((m) => replaced(metadata, m))] };
}
