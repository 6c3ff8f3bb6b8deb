// What the deployment grants, derived from SCALER_TARGETS and SCALER_CLUSTERS by the app's own
// configuration loader (shared/config loadConfig: JSON or YAML, flat targets or ScaledObject
// documents, the defaults and the cluster of a target without one) and the trigger registry's
// grants (shared/sources): infra/main.bicep takes these plain lists and reads no target itself.
// Pure: cli/commands/deploy-parameters.ts does the I/O.
import { loadConfig, type Cluster, type Target } from '../../shared/config/index.js';
import { wakeQueuesOf } from '../../shared/runtime/index.js';
import { triggerGrants, type Grants } from '../../shared/sources/index.js';

/**
 * What one identity gets one trigger type's role on, in one place: queues of a storage account
 * (queueReads, queueSends), or entities of a Service Bus namespace (serviceBusReads: accountName
 * is the namespace's name, queueNames the entity paths, a queue or <topic>/Subscriptions/<name>).
 */
export interface QueueGrant {
  triggerType: string;
  accountName: string;
  queueNames: string[];
}

/** Wake queues of one storage account ('' = the app's own): created, each with its -poison queue. */
export interface WakeQueueGrant {
  accountName: string;
  queueNames: string[];
}

export type WorkloadKind = Target['scaleTargetRef']['kind'];

export interface ClusterGrant {
  /** The SCALER_CLUSTERS name (azureRbacClusters names it). */
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  clusterName: string;
  namespaces: { name: string; kinds: WorkloadKind[] }[];
}

/** The parameters of infra/main.bicep this command writes: the two settings as given, and what they need granted. */
export interface DeploymentParameters {
  scalerTargets: string;
  scalerClusters: string;
  queueReads: QueueGrant[];
  queueSends: QueueGrant[];
  serviceBusReads: QueueGrant[];
  wakeQueues: WakeQueueGrant[];
  clusters: ClusterGrant[];
}

/**
 * The parameters that grant each kind of scope a trigger type names (Grants.scope), as
 * infra/main.bicep takes them. A type granted on another kind of resource needs its module and
 * parameters in main.bicep first (docs/architecture.md, "Trigger types"), then a line here.
 */
export const PARAMETERS_OF_SCOPE: Readonly<Record<string, { read: GrantList; send?: GrantList }>> = {
  'storage-queue': { read: 'queueReads', send: 'queueSends' },
  'servicebus-entity': { read: 'serviceBusReads' },
};

type GrantList = 'queueReads' | 'queueSends' | 'serviceBusReads';

export type Derived =
  | { ok: true; parameters: DeploymentParameters; notes: string[]; accounts: string[]; namespaces: string[] }
  | { ok: false; problems: string[] };

const byName = <T extends { name: string }>(a: T, b: T): number => a.name.localeCompare(b.name);

/** Adds `queue` to the grant of (`triggerType`, `account`) in `grants`, once. */
function add(grants: Map<string, QueueGrant>, triggerType: string, accountName: string, queue: string): void {
  const key = `${triggerType}\n${accountName}`;
  const grant = grants.get(key) ?? { triggerType, accountName, queueNames: [] };
  if (!grant.queueNames.includes(queue)) grant.queueNames.push(queue);
  grants.set(key, grant);
}

const sorted = (grants: Map<string, QueueGrant>): QueueGrant[] =>
  [...grants.values()]
    .map((g) => ({ ...g, queueNames: [...g.queueNames].sort() }))
    .sort((a, b) => a.accountName.localeCompare(b.accountName) || a.triggerType.localeCompare(b.triggerType));

/** The trigger's resource and account, by the metadata keys its type's grants name (as the app reads them in Azure). */
function resourceOf(trigger: Target['triggers'][number], grants: Grants): { name: string; account: string | undefined } {
  const metadata = trigger.metadata as Record<string, unknown>;
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  return { name: String(metadata[grants.resourceField]), account: text(metadata[grants.accountField]) };
}

/**
 * The deployment parameters for `settings` (SCALER_TARGETS and SCALER_CLUSTERS), loaded as the
 * app loads them in Azure (no SCALER_LOCAL_DEVELOPMENT). Any configuration problem, or a target
 * the deployment could not grant for, refuses the whole: a deployment that grants less than the
 * setting it writes asks for would leave targets failing in Azure.
 */
export function deploymentParameters(settings: { SCALER_TARGETS: string; SCALER_CLUSTERS: string }): Derived {
  const config = loadConfig({ SCALER_TARGETS: settings.SCALER_TARGETS, SCALER_CLUSTERS: settings.SCALER_CLUSTERS });
  const problems = config.errors.map((e) => e.message);
  if (config.targets.length === 0 && problems.length === 0) problems.push('SCALER_TARGETS: no targets');
  const notes: string[] = [];
  const allGrants = triggerGrants();
  const lists: Record<GrantList, Map<string, QueueGrant>> = { queueReads: new Map(), queueSends: new Map(), serviceBusReads: new Map() };
  const clusters = new Map<string, ClusterGrant>();

  for (const target of config.targets) {
    target.triggers.forEach((trigger, i) => {
      const grants = allGrants[trigger.type]!;
      const parameters = PARAMETERS_OF_SCOPE[grants.scope];
      const { name, account } = resourceOf(trigger, grants);
      if (!parameters) problems.push(`target ${target.id}: triggers[${i}]: type ${trigger.type} is granted on ${grants.scope}, which infra/main.bicep does not grant yet`);
      else if (!account) problems.push(`target ${target.id}: triggers[${i}].metadata.${grants.accountField}: is required to grant the scaler identity its role`);
      else add(lists[parameters.read], trigger.type, account, name);
    });
    // wake.forwardTo: a queue next to the first trigger's, sent to with that type's sender and
    // role (a type without forward mode refused it at load).
    const first = target.triggers[0]!;
    const forwardTo = target.wake?.forwardTo;
    if (forwardTo !== undefined) {
      const grants = allGrants[first.type]!;
      const { account } = resourceOf(first, grants);
      const send = PARAMETERS_OF_SCOPE[grants.scope]?.send;
      if (send && account) add(lists[send], first.type, account, forwardTo);
    }
    const cluster = config.clusters.get(target.cluster);
    if (cluster?.kind !== 'aks') continue;
    const grant = clusters.get(cluster.name) ?? { name: cluster.name, subscriptionId: cluster.subscriptionId, resourceGroup: cluster.resourceGroup, clusterName: cluster.clusterName, namespaces: [] };
    clusters.set(cluster.name, grant);
    const namespace = grant.namespaces.find((n) => n.name === target.namespace) ?? { name: target.namespace, kinds: [] };
    if (!grant.namespaces.includes(namespace)) grant.namespaces.push(namespace);
    if (!namespace.kinds.includes(target.scaleTargetRef.kind)) namespace.kinds.push(target.scaleTargetRef.kind);
  }
  if (problems.length > 0) return { ok: false, problems };

  // Fields the loader dropped, each saying what takes its place (a pasted authenticationRef).
  notes.push(...((config as { warnings?: readonly { message: string }[] }).warnings ?? []).map((w) => w.message));
  const used = new Set(config.targets.map((t) => t.cluster));
  for (const cluster of [...config.clusters.values()].sort(byName)) notes.push(...clusterNotes(cluster, used.has(cluster.name)));
  const wakeQueues = new Map<string, WakeQueueGrant>();
  for (const queue of wakeQueuesOf(config.targets)) {
    const accountName = queue.accountName ?? '';
    const grant = wakeQueues.get(accountName) ?? { accountName, queueNames: [] };
    grant.queueNames.push(queue.queueName);
    wakeQueues.set(accountName, grant);
  }
  const parameters: DeploymentParameters = {
    scalerTargets: settings.SCALER_TARGETS,
    scalerClusters: settings.SCALER_CLUSTERS,
    queueReads: sorted(lists.queueReads),
    queueSends: sorted(lists.queueSends),
    serviceBusReads: sorted(lists.serviceBusReads),
    wakeQueues: [...wakeQueues.values()].map((w) => ({ ...w, queueNames: [...w.queueNames].sort() })).sort((a, b) => a.accountName.localeCompare(b.accountName)),
    clusters: [...clusters.values()]
      .map((c) => ({ ...c, namespaces: c.namespaces.map((n) => ({ ...n, kinds: [...n.kinds].sort() })).sort(byName) }))
      .sort(byName),
  };
  const accounts = [...new Set([...parameters.queueReads, ...parameters.queueSends, ...parameters.wakeQueues].map((g) => g.accountName).filter(Boolean))].sort();
  const namespaces = [...new Set(parameters.serviceBusReads.map((g) => g.accountName))].sort();
  return { ok: true, parameters, notes, accounts, namespaces };
}

/** What the deployment does not do for a cluster entry, said once. */
function clusterNotes(cluster: Cluster, used: boolean): string[] {
  if (!used) return [`cluster ${cluster.name}: no target runs there, so the scaler identity is granted nothing on it`];
  const notes: string[] = [];
  if (cluster.kind !== 'aks') notes.push(`cluster ${cluster.name}: reached by its server URL, not an AKS resource id: no Azure role is granted; give the scaler identity get on the workloads and update on their /scale there yourself`);
  if (cluster.kind !== 'kubeconfig' && cluster.identityClientId) notes.push(`cluster ${cluster.name}: identityClientId is given: the deployment grants its roles to the scaler identity, not to that one`);
  return notes;
}

/**
 * An Azure deployment parameters file (the deploymentParameters.json schema): infra/main.bicepparam
 * loads it, and `az deployment sub create --parameters @FILE` takes it too.
 */
export function parametersFile(parameters: DeploymentParameters): { $schema: string; contentVersion: string; parameters: Record<string, { value: unknown }> } {
  return {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#',
    contentVersion: '1.0.0.0',
    parameters: Object.fromEntries(Object.entries(parameters).map(([name, value]) => [name, { value }])),
  };
}
