// The malformed-configuration corpus: one row per mistake, each with the exact messages the
// loader must report (target, field path, reason) and the targets that must still load. Bad
// targets sit next to a good one so that every row also proves that one bad target never
// stops the good ones.
import { describe, expect, test } from 'vitest';
import { loadConfig, type Settings } from '../../shared/config/index.js';
import { ConfigError } from '../../shared/errors/index.js';

const AKS_ID = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/shop-rg/providers/Microsoft.ContainerService/managedClusters/shop-aks';
const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');
const ONE_CLUSTER = JSON.stringify({ prod: { resourceId: AKS_ID } });

type Json = Record<string, unknown>;

/** An azure-queue trigger on a valid queue, with metadata overrides (undefined removes a key). */
const queue = (metadata: Json = {}, extra: Json = {}): Json => ({
  type: 'azure-queue',
  metadata: Object.fromEntries(Object.entries({ queueName: 'orders', accountName: 'shopdata', ...metadata }).filter(([, v]) => v !== undefined)),
  ...extra,
});
/** A flat target in namespace shop scaling Deployment `name`. */
const target = (name: string, extra: Json = {}): Json => ({ namespace: 'shop', scaleTargetRef: { name }, triggers: [queue()], ...extra });
/** The bad target `shop/worker` with one change, for the rows below. */
const worker = (extra: Json): Json => target('worker', extra);
/** The good neighbour that every multi-target row expects to load. */
const good = target('good');
const GOOD = ['shop/good'];
/** SCALER_TARGETS as JSON: the good target first, then the others. */
const beside = (...bad: Json[]): string => JSON.stringify([good, ...bad]);
const behavior = (b: Json): Json => worker({ advanced: { horizontalPodAutoscalerConfig: { behavior: b } } });
const meta = (m: Json): Json => worker({ triggers: [queue(m)] });
/** Two named queues (a, b) and advanced.scalingModifiers with `modifiers`, plus other spec fields. */
const modified = (modifiers: Json, extra: Json = {}): Json =>
  worker({ triggers: [queue({}, { name: 'a' }), queue({ queueName: 'returns' }, { name: 'b' })], advanced: { scalingModifiers: modifiers }, ...extra });
const FORMULA = 'target shop/worker: advanced.scalingModifiers.formula: ';

/** The same good target as a YAML document, for streams. */
const GOOD_SO_YAML = `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: good
  namespace: shop
spec:
  scaleTargetRef:
    name: good
  triggers:
    - type: azure-queue
      metadata:
        queueName: orders
        accountName: shopdata
`;

interface Row {
  name: string;
  targets?: string;
  clusters?: string;
  settings?: Settings;
  /** Every ConfigError.message, in order. */
  errors: string[];
  /** Every ConfigWarning.message, in order (none when not given). */
  warnings?: string[];
  /** The ids of the targets that still load. */
  loads: string[];
}

const PATH = 'advanced.horizontalPodAutoscalerConfig.behavior';
const LOCAL_ONLY = 'is for local development only (set SCALER_LOCAL_DEVELOPMENT=true to use it)';

const rows: Row[] = [
  // --- The setting as a whole ---------------------------------------------------------------
  {
    name: 'SCALER_TARGETS is neither JSON nor YAML',
    targets: '[{"scaleTargetRef": {"name": "worker"}',
    errors: ['SCALER_TARGETS: not valid JSON or YAML: Flow map in block collection must be sufficiently indented and end with a } at line 1, column 39'],
    loads: [],
  },
  {
    name: 'SCALER_TARGETS YAML with a tab indentation',
    targets: '- scaleTargetRef:\n\tname: worker\n',
    errors: ['SCALER_TARGETS: not valid JSON or YAML: Tabs are not allowed as indentation at line 2, column 1'],
    loads: [],
  },
  {
    name: 'SCALER_TARGETS, one target, with a duplicate key',
    targets: '[{"scaleTargetRef": {"name": "a"}, "maxReplicaCount": 3, "maxReplicaCount": 4}]',
    errors: ['target default/a: not valid JSON or YAML: Map keys must be unique at line 1, column 58'],
    loads: [],
  },
  {
    // Located by its position: the other items load.
    name: 'a duplicate key inside one item of a list',
    targets: `[${JSON.stringify(good)}, {"namespace": "shop", "scaleTargetRef": {"name": "worker"}, "maxReplicaCount": 3, "maxReplicaCount": 4}]`,
    errors: ['target shop/worker: not valid JSON or YAML: Map keys must be unique at line 1, column 234'],
    loads: GOOD,
  },
  {
    name: 'a duplicate key inside one item of a YAML list, named by its position when it has no readable name',
    targets: `- ${JSON.stringify(good)}\n- scaleTargetRef: {name: Worker_1}\n  namespace: shop\n  namespace: shop\n- ${JSON.stringify(target('other'))}\n`,
    errors: ['target shop/Worker_1: not valid JSON or YAML: Map keys must be unique at line 4, column 3'],
    loads: ['shop/good', 'shop/other'],
  },
  {
    name: 'an unclosed brace inside one item of a YAML list',
    targets: `- ${JSON.stringify(good)}\n- {scaleTargetRef: {name: worker}, namespace: shop\n- ${JSON.stringify(target('other'))}\n`,
    errors: ['target shop/worker: not valid JSON or YAML: Flow map in block collection must be sufficiently indented and end with a } at line 3, column 1'],
    loads: ['shop/good', 'shop/other'],
  },
  {
    name: 'an alias without its anchor in one item',
    targets: `- ${JSON.stringify(good)}\n- scaleTargetRef: {name: worker}\n  namespace: *ns\n`,
    errors: ['target #1: not valid JSON or YAML: Unresolved alias (the anchor must be set before the alias): ns'],
    loads: GOOD,
  },
  {
    name: 'a YAML error in one document of a stream: the others load',
    targets: `${GOOD_SO_YAML}---\n${GOOD_SO_YAML.replaceAll('good', 'worker').replace('  name: worker\n  namespace', '  name: worker\n  name: worker\n  namespace')}---\n${GOOD_SO_YAML.replaceAll('good', 'other')}`,
    errors: ['target shop/worker: not valid JSON or YAML: Map keys must be unique at line 19, column 3'],
    loads: ['shop/good', 'shop/other'],
  },
  {
    name: 'a malformation outside any item (a closing bracket too many) fails the setting',
    targets: `[${JSON.stringify(good)}]]`,
    errors: ['SCALER_TARGETS: not valid JSON or YAML: Unexpected flow-seq-end token in YAML stream: "]" at line 1, column 151'],
    loads: [],
  },
  {
    name: 'SCALER_TARGETS is a string, not a list',
    targets: '"shop/worker"',
    errors: ['SCALER_TARGETS: must be a list of targets (or a target, or ScaledObject documents), not "shop/worker"'],
    loads: [],
  },
  {
    name: 'SCALER_TARGETS is a number in the second document of a stream: the first loads',
    targets: `${GOOD_SO_YAML}---\n42\n`,
    errors: ['SCALER_TARGETS: document 2 must be a list of targets (or a target, or ScaledObject documents), not 42'],
    loads: GOOD,
  },
  {
    name: 'a kind: List without a list of items',
    targets: 'apiVersion: v1\nkind: List\nitems: {}\n',
    errors: ['SCALER_TARGETS: is a kind: List whose items is not a list'],
    loads: [],
  },
  {
    name: 'a list item that is a string',
    targets: JSON.stringify([good, 'shop/worker']),
    errors: ['target #1: must be a map (a target or a ScaledObject document), not "shop/worker"'],
    loads: GOOD,
  },

  // --- scaleTargetRef, names ------------------------------------------------------------------
  {
    name: 'scaleTargetRef missing',
    targets: beside({ namespace: 'shop', triggers: [queue()] }),
    errors: ['target #1: scaleTargetRef: is required'],
    loads: GOOD,
  },
  {
    name: 'scaleTargetRef without a name',
    targets: beside(worker({ scaleTargetRef: { kind: 'Deployment' } })),
    errors: ['target #1: scaleTargetRef.name: is required'],
    loads: GOOD,
  },
  {
    name: 'scaleTargetRef.name is not an RFC 1123 name',
    targets: beside(worker({ scaleTargetRef: { name: 'Worker_1' } })),
    errors: [`target shop/Worker_1: scaleTargetRef.name: "Worker_1" is not a valid name (lowercase RFC 1123: a-z, 0-9, '-' and '.')`],
    loads: GOOD,
  },
  {
    name: 'namespace with a dot (a label, not a subdomain)',
    targets: beside(worker({ namespace: 'shop.eu' })),
    errors: [`target shop.eu/worker: namespace: "shop.eu" is not a valid namespace (lowercase RFC 1123 label: a-z, 0-9 and '-')`],
    loads: GOOD,
  },
  {
    name: 'scaleTargetRef.kind is not a scalable workload we handle',
    targets: beside(worker({ scaleTargetRef: { name: 'worker', kind: 'Job' } })),
    errors: ['target shop/worker: scaleTargetRef.kind: "Job" is not one of Deployment, StatefulSet'],
    loads: GOOD,
  },

  // --- replica counts and periods -------------------------------------------------------------
  {
    name: 'minReplicaCount above maxReplicaCount',
    targets: beside(worker({ minReplicaCount: 5, maxReplicaCount: 2 })),
    errors: ['target shop/worker: minReplicaCount: 5 is more than maxReplicaCount (2)'],
    loads: GOOD,
  },
  {
    name: 'idleReplicaCount equal to minReplicaCount',
    targets: beside(worker({ minReplicaCount: 2, idleReplicaCount: 2 })),
    errors: ['target shop/worker: idleReplicaCount: 2 must be less than minReplicaCount (2)'],
    loads: GOOD,
  },
  {
    // KEDA compares idle with 0 when min is omitted, so idle 0 fails there too.
    name: 'idleReplicaCount 0 with minReplicaCount omitted (KEDA quirk)',
    targets: beside(worker({ idleReplicaCount: 0 })),
    errors: ['target shop/worker: idleReplicaCount: 0 must be less than minReplicaCount (0 when omitted, as in KEDA)'],
    loads: GOOD,
  },
  {
    // ...and with min given as 0, with GetHPAMinReplicas() = 1: idle 1 fails, idle 0 passes.
    name: 'idleReplicaCount 1 with minReplicaCount 0 (KEDA counts it as 1)',
    targets: beside(worker({ minReplicaCount: 0, idleReplicaCount: 1 })),
    errors: ['target shop/worker: idleReplicaCount: 1 must be less than minReplicaCount (0, counted as 1 as KEDA does)'],
    loads: GOOD,
  },
  {
    name: 'negative minReplicaCount',
    targets: beside(worker({ minReplicaCount: -1 })),
    errors: ['target shop/worker: minReplicaCount: -1 is less than 0'],
    loads: GOOD,
  },
  {
    name: 'maxReplicaCount as a decimal string',
    targets: beside(worker({ maxReplicaCount: '1.5' })),
    errors: ['target shop/worker: maxReplicaCount: "1.5" is not an integer'],
    loads: GOOD,
  },
  {
    name: 'cooldownPeriod as a duration string',
    targets: beside(worker({ cooldownPeriod: '5m' })),
    errors: ['target shop/worker: cooldownPeriod: "5m" is not an integer'],
    loads: GOOD,
  },
  {
    name: 'pollingInterval 0 (the CRD minimum is 1)',
    targets: beside(worker({ pollingInterval: 0 })),
    errors: ['target shop/worker: pollingInterval: 0 is less than 1'],
    loads: GOOD,
  },
  {
    name: 'maxReplicaCount above int32',
    targets: beside(worker({ maxReplicaCount: 2_147_483_648 })),
    errors: ['target shop/worker: maxReplicaCount: 2147483648 is more than 2147483647'],
    loads: GOOD,
  },
  {
    name: 'paused as a string',
    targets: beside(worker({ paused: 'true' })),
    errors: ['target shop/worker: paused: must be true or false, not "true"'],
    loads: GOOD,
  },
  {
    name: 'unknown field: a typo of maxReplicaCount',
    targets: beside(worker({ maxReplicasCount: 3 })),
    errors: ['target shop/worker: unknown field(s): maxReplicasCount (did you mean maxReplicaCount?)'],
    loads: GOOD,
  },
  {
    // zod skips refinements once a field fails; the loader still reports idle >= min.
    name: 'two errors in one target are both reported',
    targets: beside(worker({ pollingInterval: 0, minReplicaCount: 2, idleReplicaCount: 2 })),
    errors: ['target shop/worker: pollingInterval: 0 is less than 1', 'target shop/worker: idleReplicaCount: 2 must be less than minReplicaCount (2)'],
    loads: GOOD,
  },

  // --- fallback -------------------------------------------------------------------------------
  {
    name: 'fallback without failureThreshold',
    targets: beside(worker({ fallback: { replicas: 3 } })),
    errors: ['target shop/worker: fallback.failureThreshold: is required'],
    loads: GOOD,
  },
  {
    name: 'fallback without replicas',
    targets: beside(worker({ fallback: { failureThreshold: 3 } })),
    errors: ['target shop/worker: fallback.replicas: is required'],
    loads: GOOD,
  },
  {
    name: 'fallback behavior in the wrong case',
    targets: beside(worker({ fallback: { failureThreshold: 3, replicas: 2, behavior: 'CurrentReplicas' } })),
    errors: ['target shop/worker: fallback.behavior: "CurrentReplicas" is not one of static, currentReplicas, currentReplicasIfHigher, currentReplicasIfLower, scalingModifiers'],
    loads: GOOD,
  },
  {
    name: 'fallback behavior scalingModifiers (no modifiers here)',
    targets: beside(worker({ fallback: { failureThreshold: 3, replicas: 2, behavior: 'scalingModifiers' } })),
    errors: ['target shop/worker: fallback.behavior: "scalingModifiers" needs advanced.scalingModifiers.formula (as in KEDA)'],
    loads: GOOD,
  },

  // --- advanced.horizontalPodAutoscalerConfig.behavior (HPA validation) -----------------------
  {
    name: 'stabilization window 3601 s',
    targets: beside(behavior({ scaleUp: { stabilizationWindowSeconds: 3601 } })),
    errors: [`target shop/worker: ${PATH}.scaleUp.stabilizationWindowSeconds: 3601 is more than 3600`],
    loads: GOOD,
  },
  {
    name: 'negative stabilization window',
    targets: beside(behavior({ scaleDown: { stabilizationWindowSeconds: -1 } })),
    errors: [`target shop/worker: ${PATH}.scaleDown.stabilizationWindowSeconds: -1 is less than 0`],
    loads: GOOD,
  },
  {
    name: 'policy value 0',
    targets: beside(behavior({ scaleUp: { policies: [{ type: 'Pods', value: 0, periodSeconds: 15 }] } })),
    errors: [`target shop/worker: ${PATH}.scaleUp.policies[0].value: 0 is less than 1`],
    loads: GOOD,
  },
  {
    name: 'policy periodSeconds 0',
    targets: beside(behavior({ scaleDown: { policies: [{ type: 'Percent', value: 10, periodSeconds: 0 }] } })),
    errors: [`target shop/worker: ${PATH}.scaleDown.policies[0].periodSeconds: 0 is less than 1`],
    loads: GOOD,
  },
  {
    name: 'policy periodSeconds 1801, second policy',
    targets: beside(behavior({ scaleDown: { policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }, { type: 'Pods', value: 1, periodSeconds: 1801 }] } })),
    errors: [`target shop/worker: ${PATH}.scaleDown.policies[1].periodSeconds: 1801 is more than 1800`],
    loads: GOOD,
  },
  {
    name: 'empty policies',
    targets: beside(behavior({ scaleUp: { policies: [] } })),
    errors: [`target shop/worker: ${PATH}.scaleUp.policies: must list at least one policy`],
    loads: GOOD,
  },
  {
    name: 'policy type in the wrong case',
    targets: beside(behavior({ scaleUp: { policies: [{ type: 'pods', value: 4, periodSeconds: 15 }] } })),
    errors: [`target shop/worker: ${PATH}.scaleUp.policies[0].type: "pods" is not one of Pods, Percent`],
    loads: GOOD,
  },
  {
    name: 'selectPolicy "Maximum"',
    targets: beside(behavior({ scaleDown: { selectPolicy: 'Maximum' } })),
    errors: [`target shop/worker: ${PATH}.scaleDown.selectPolicy: "Maximum" is not one of Max, Min, Disabled`],
    loads: GOOD,
  },
  {
    name: 'negative tolerance, as a number and as a quantity',
    targets: beside(behavior({ scaleUp: { tolerance: -0.1 }, scaleDown: { tolerance: '-50m' } })),
    errors: [`target shop/worker: ${PATH}.scaleUp.tolerance: -0.1 is negative (must be >= 0)`, `target shop/worker: ${PATH}.scaleDown.tolerance: "-50m" is negative (must be >= 0)`],
    loads: GOOD,
  },
  {
    name: 'tolerance as a percentage',
    targets: beside(behavior({ scaleDown: { tolerance: '10%' } })),
    errors: [`target shop/worker: ${PATH}.scaleDown.tolerance: "10%" is not a quantity (e.g. 0.1 or "100m")`],
    loads: GOOD,
  },
  {
    name: 'behavior field misspelt',
    targets: beside(behavior({ scaleUp: { stabilizationWindow: 60 } })),
    errors: [`target shop/worker: ${PATH}.scaleUp: unknown field(s): stabilizationWindow (did you mean stabilizationWindowSeconds?)`],
    loads: GOOD,
  },

  // --- triggers -------------------------------------------------------------------------------
  {
    name: 'no triggers',
    targets: beside(worker({ triggers: [] })),
    errors: ['target shop/worker: triggers: must list at least one trigger'],
    loads: GOOD,
  },
  {
    name: 'trigger type unknown',
    targets: beside(worker({ triggers: [{ type: 'azure-eventhub', metadata: { eventHubName: 'orders' } }] })),
    errors: ['target shop/worker: triggers[0].type: "azure-eventhub" is not a supported trigger type (supported: azure-queue, azure-servicebus)'],
    loads: GOOD,
  },
  {
    name: 'metricType Value loads',
    targets: beside(worker({ triggers: [queue({}, { metricType: 'Value' })] })),
    errors: [],
    loads: [...GOOD, 'shop/worker'],
  },
  {
    name: 'metricType Utilization',
    targets: beside(worker({ triggers: [queue({}, { metricType: 'Utilization' })] })),
    errors: ['target shop/worker: triggers[0].metricType: "Utilization" is not supported, only AverageValue or Value (KEDA refuses Utilization for external metrics too)'],
    loads: GOOD,
  },
  {
    name: 'metricType neither AverageValue nor Value',
    targets: beside(worker({ triggers: [queue({}, { metricType: 'averagevalue' })] })),
    errors: ['target shop/worker: triggers[0].metricType: "averagevalue" is not one of AverageValue, Value'],
    loads: GOOD,
  },
  {
    name: 'authenticationRef with accountName: dropped, with a warning that says what reads the queue instead',
    targets: beside(worker({ triggers: [queue({}, { authenticationRef: { name: 'storage-auth' } })] })),
    errors: [],
    warnings: ['target shop/worker: triggers[0].authenticationRef: is dropped: the scaler reads queue "orders" of account "shopdata" with its managed identity instead of TriggerAuthentication "storage-auth": grant its identity Storage Queue Data Reader on the queue (set metadata.identityClientId to pick a user-assigned identity)'],
    loads: [...GOOD, 'shop/worker'],
  },
  {
    name: 'authenticationRef with identityClientId: the warning names that identity',
    targets: beside(worker({ triggers: [queue({ identityClientId: '00000000-0000-0000-0000-0000000000aa' }, { authenticationRef: { name: 'shared', kind: 'ClusterTriggerAuthentication' } })] })),
    errors: [],
    warnings: ['target shop/worker: triggers[0].authenticationRef: is dropped: the scaler reads queue "orders" of account "shopdata" with the user-assigned identity "00000000-0000-0000-0000-0000000000aa" of metadata.identityClientId instead of ClusterTriggerAuthentication "shared": grant it Storage Queue Data Reader on the queue'],
    loads: [...GOOD, 'shop/worker'],
  },
  {
    name: 'authenticationRef without accountName: nothing can read the queue in its place',
    targets: beside(worker({ triggers: [queue({ accountName: undefined }, { authenticationRef: { name: 'storage-auth' } })] })),
    errors: [
      'target shop/worker: triggers[0].metadata.accountName: is required: the storage account that holds the queue (KEDA: "no accountName given")',
      'target shop/worker: triggers[0].authenticationRef: cannot be replaced: the trigger reads its queue with TriggerAuthentication "storage-auth" and names no accountName. The scaler reads queues with its managed identity, so it needs the storage account: add metadata.accountName (the storage account that holds the queue), and grant its identity Storage Queue Data Reader on the queue (set metadata.identityClientId to pick a user-assigned identity)',
    ],
    loads: GOOD,
  },
  {
    name: 'authenticationRef of a kind KEDA does not know',
    targets: beside(worker({ triggers: [queue({}, { authenticationRef: { name: 'storage-auth', kind: 'Secret' } })] })),
    errors: ['target shop/worker: triggers[0].authenticationRef.kind: "Secret" is not one of TriggerAuthentication, ClusterTriggerAuthentication'],
    loads: GOOD,
  },
  {
    name: 'authenticationRef without a name',
    targets: beside(worker({ triggers: [queue({}, { authenticationRef: { kind: 'TriggerAuthentication' } })] })),
    errors: ['target shop/worker: triggers[0].authenticationRef.name: is required'],
    loads: GOOD,
  },
  ...scalingModifierRows(),
  {
    name: 'two triggers with one name',
    targets: beside(worker({ triggers: [queue({}, { name: 'orders' }), queue({ queueName: 'returns' }, { name: 'orders' })] })),
    errors: ['target shop/worker: triggers[1].name: "orders" is also the name of triggers[0]: trigger names must be unique'],
    loads: GOOD,
  },
  {
    name: 'metricType and metadata wrong in one trigger: both reported',
    targets: beside(worker({ triggers: [queue({ queueLength: 'AA' }, { metricType: 'Utilization' })] })),
    errors: [
      'target shop/worker: triggers[0].metricType: "Utilization" is not supported, only AverageValue or Value (KEDA refuses Utilization for external metrics too)',
      'target shop/worker: triggers[0].metadata.queueLength: "AA" is not an integer',
    ],
    loads: GOOD,
  },
  {
    name: 'trigger without type, policy without type',
    targets: beside(worker({ triggers: [{ metadata: { queueName: 'orders', accountName: 'shopdata' } }], advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleUp: { policies: [{ value: 1, periodSeconds: 15 }] } } } } })),
    errors: [`target shop/worker: ${PATH}.scaleUp.policies[0].type: is required`, 'target shop/worker: triggers[0].type: is required'],
    loads: GOOD,
  },
  {
    name: 'scaleTargetRef as a string and triggers as a map',
    targets: beside({ namespace: 'shop', scaleTargetRef: 'worker', triggers: queue() }),
    errors: ['target #1: scaleTargetRef: must be a map, not "worker"', 'target #1: triggers: must be a list, not a map'],
    loads: GOOD,
  },
  {
    name: 'YAML .inf and true where integers belong',
    targets: `- ${JSON.stringify(good)}
- scaleTargetRef: {name: worker}
  namespace: shop
  maxReplicaCount: .inf
  pollingInterval: true
  triggers: [{type: azure-queue, metadata: {queueName: orders, accountName: shopdata, queueLength: 5.5}}]
`,
    errors: [
      'target shop/worker: pollingInterval: true is not an integer',
      'target shop/worker: maxReplicaCount: Infinity is not an integer',
      'target shop/worker: triggers[0].metadata.queueLength: 5.5 is not an integer',
    ],
    loads: GOOD,
  },
  {
    name: 'trigger without metadata',
    targets: beside(worker({ triggers: [{ type: 'azure-queue' }] })),
    errors: ['target shop/worker: triggers[0].metadata: is required'],
    loads: GOOD,
  },

  // --- azure-queue metadata -------------------------------------------------------------------
  {
    name: 'queueName missing',
    targets: beside(meta({ queueName: undefined })),
    errors: ['target shop/worker: triggers[0].metadata.queueName: is required'],
    loads: GOOD,
  },
  {
    name: 'queueName empty (KEDA: empty is missing)',
    targets: beside(meta({ queueName: '' })),
    errors: ['target shop/worker: triggers[0].metadata.queueName: is required'],
    loads: GOOD,
  },
  {
    name: 'queueName with capitals',
    targets: beside(meta({ queueName: 'Orders' })),
    errors: ['target shop/worker: triggers[0].metadata.queueName: "Orders" is not a storage queue name (3-63 lowercase letters, digits and single hyphens)'],
    loads: GOOD,
  },
  {
    name: 'queueName with a double hyphen',
    targets: beside(meta({ queueName: 'new--orders' })),
    errors: ['target shop/worker: triggers[0].metadata.queueName: "new--orders" is not a storage queue name (3-63 lowercase letters, digits and single hyphens)'],
    loads: GOOD,
  },
  {
    name: 'queueName of two characters',
    targets: beside(meta({ queueName: 'ab' })),
    errors: ['target shop/worker: triggers[0].metadata.queueName: "ab" is not a storage queue name (3-63 lowercase letters, digits and single hyphens)'],
    loads: GOOD,
  },
  {
    name: 'queueLength "AA" (KEDA: improperly formed queueLength)',
    targets: beside(meta({ queueLength: 'AA' })),
    errors: ['target shop/worker: triggers[0].metadata.queueLength: "AA" is not an integer'],
    loads: GOOD,
  },
  {
    name: 'queueLength "0"',
    targets: beside(meta({ queueLength: '0' })),
    errors: ['target shop/worker: triggers[0].metadata.queueLength: 0 is less than 1'],
    loads: GOOD,
  },
  {
    name: 'activationQueueLength "-1"',
    targets: beside(meta({ activationQueueLength: '-1' })),
    errors: ['target shop/worker: triggers[0].metadata.activationQueueLength: -1 is less than 0'],
    loads: GOOD,
  },
  {
    name: 'queueLengthStrategy "VisibleOnly" (case-sensitive since KEDA 2.16)',
    targets: beside(meta({ queueLengthStrategy: 'VisibleOnly' })),
    errors: ['target shop/worker: triggers[0].metadata.queueLengthStrategy: "VisibleOnly" is not one of all, visibleonly (case-sensitive, as in KEDA)'],
    loads: GOOD,
  },
  {
    name: 'accountName missing',
    targets: beside(meta({ accountName: undefined })),
    errors: ['target shop/worker: triggers[0].metadata.accountName: is required: the storage account that holds the queue (KEDA: "no accountName given")'],
    loads: GOOD,
  },
  {
    name: 'accountName with a hyphen',
    targets: beside(meta({ accountName: 'shop-data' })),
    errors: ['target shop/worker: triggers[0].metadata.accountName: "shop-data" is not a storage account name (3-24 lowercase letters and digits)'],
    loads: GOOD,
  },
  {
    name: 'cloud unknown',
    targets: beside(meta({ cloud: 'AzureGermanCloud' })),
    errors: ['target shop/worker: triggers[0].metadata.cloud: invalid cloud environment "AzureGermanCloud": use AzurePublicCloud, AzureUSGovernmentCloud, AzureChinaCloud or Private'],
    loads: GOOD,
  },
  {
    name: 'cloud and trigger type named like Object.prototype members',
    targets: beside(worker({ triggers: [queue({ cloud: 'constructor' }), { type: 'toString', metadata: {} }] })),
    errors: [
      'target shop/worker: triggers[0].metadata.cloud: invalid cloud environment "constructor": use AzurePublicCloud, AzureUSGovernmentCloud, AzureChinaCloud or Private',
      'target shop/worker: triggers[1].type: "toString" is not a supported trigger type (supported: azure-queue, azure-servicebus)',
    ],
    loads: GOOD,
  },
  {
    name: 'cloud Private without endpointSuffix',
    targets: beside(meta({ cloud: 'Private' })),
    errors: ['target shop/worker: triggers[0].metadata.endpointSuffix: must be provided for Private cloud type (e.g. queue.core.example.net)'],
    loads: GOOD,
  },
  {
    // KEDA ignores it; a typo in cloud must not silently send requests to the public cloud.
    name: 'endpointSuffix without cloud Private',
    targets: beside(meta({ cloud: 'AzureChinaCloud', endpointSuffix: 'queue.core.contoso.example' })),
    errors: ['target shop/worker: triggers[0].metadata.endpointSuffix: is only used with cloud: Private (KEDA would silently ignore it)'],
    loads: GOOD,
  },
  {
    name: 'a literal connection string (the value is never echoed)',
    targets: beside(meta({ connection: 'DefaultEndpointsProtocol=https;AccountName=shopdata;AccountKey=c2VjcmV0;EndpointSuffix=core.windows.net' })),
    errors: [
      'target shop/worker: triggers[0].metadata.connection: is refused: a connection string in settings is a secret in plain text; use accountName with a managed identity (or connectionFromEnv for local development)',
    ],
    loads: GOOD,
  },
  {
    name: 'identityClientId not a GUID',
    targets: beside(meta({ identityClientId: 'shop-scaler' })),
    errors: ['target shop/worker: triggers[0].metadata.identityClientId: "shop-scaler" is not a client id (a GUID)'],
    loads: GOOD,
  },
  {
    name: 'unknown metadata key',
    targets: beside(meta({ queueLenght: '10' })),
    errors: ['target shop/worker: triggers[0].metadata: unknown key(s): queueLenght (did you mean queueLength?)'],
    loads: GOOD,
  },
  {
    name: 'metadata value as a list',
    targets: beside(meta({ queueName: ['orders'] })),
    errors: ['target shop/worker: triggers[0].metadata.queueName: must be a string, not a list'],
    loads: GOOD,
  },
  {
    name: 'connectionFromEnv without SCALER_LOCAL_DEVELOPMENT',
    targets: beside(meta({ accountName: undefined, connectionFromEnv: 'STORAGE_CONNECTION' })),
    errors: [`target shop/worker: triggers[0].metadata.connectionFromEnv: ${LOCAL_ONLY}`],
    loads: GOOD,
  },
  {
    name: 'queueServiceUri without SCALER_LOCAL_DEVELOPMENT',
    targets: beside(meta({ queueServiceUri: 'http://127.0.0.1:10001/devstoreaccount1' })),
    errors: [`target shop/worker: triggers[0].metadata.queueServiceUri: ${LOCAL_ONLY}`],
    loads: GOOD,
  },
  {
    name: 'SCALER_LOCAL_DEVELOPMENT misspelt counts as false',
    targets: beside(meta({ queueServiceUri: 'http://127.0.0.1:10001/devstoreaccount1' })),
    settings: { SCALER_LOCAL_DEVELOPMENT: 'ture' },
    errors: ['SCALER_LOCAL_DEVELOPMENT: "ture" is not true or false; counts as false', `target shop/worker: triggers[0].metadata.queueServiceUri: ${LOCAL_ONLY}`],
    loads: GOOD,
  },

  // --- whole ScaledObject documents -----------------------------------------------------------
  {
    name: 'ScaledObject with apiVersion keda.sh/v1',
    targets: `${GOOD_SO_YAML}---\n${GOOD_SO_YAML.replace('keda.sh/v1alpha1', 'keda.sh/v1').replaceAll('good', 'worker')}`,
    errors: ['target shop/worker: apiVersion: "keda.sh/v1" is not keda.sh/v1alpha1'],
    loads: GOOD,
  },
  {
    name: 'ScaledJob instead of ScaledObject',
    targets: `${GOOD_SO_YAML}---\n${GOOD_SO_YAML.replace('ScaledObject', 'ScaledJob').replaceAll('good', 'worker')}`,
    errors: ['target shop/worker: kind: "ScaledJob" is not supported (only ScaledObject)'],
    loads: GOOD,
  },
  {
    name: 'ScaledObject without metadata.name and with a misspelt spec field',
    targets: `${GOOD_SO_YAML}---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  namespace: shop
spec:
  scaleTargetRef:
    name: worker
  minReplicaCount: 1
  idleReplicaCount: 1
  cooldownPeriods: 60
  triggers:
    - type: azure-queue
      metadata:
        queueName: orders
        accountName: shopdata
`,
    errors: [
      'target shop/worker: metadata.name: is required',
      'target shop/worker: spec: unknown field(s): cooldownPeriods (did you mean cooldownPeriod?)',
      'target shop/worker: spec.idleReplicaCount: 1 must be less than minReplicaCount (1)',
    ],
    loads: GOOD,
  },
  {
    name: 'ScaledObject with paused-replicas on itself (read from the Deployment)',
    targets: `${GOOD_SO_YAML}---\n${GOOD_SO_YAML.replace('  namespace: shop\n', '  namespace: shop\n  annotations:\n    autoscaling.keda.sh/paused-replicas: "0"\n').replaceAll('good', 'worker')}`,
    errors: ['target shop/worker: metadata.annotations.autoscaling.keda.sh/paused-replicas: is read from the scale target, not from the ScaledObject: put it on the Deployment'],
    loads: GOOD,
  },
  {
    name: 'ScaledObject with cluster both at the top and in spec',
    targets: `${GOOD_SO_YAML}---\ncluster: prod\n${GOOD_SO_YAML.replace('spec:\n', 'spec:\n  cluster: prod\n').replaceAll('good', 'worker')}`,
    errors: ['target shop/worker: spec.cluster: is also given at the top of the document: give it once'],
    loads: GOOD,
  },
  {
    name: 'ScaledObject whose spec is not a map',
    targets: `${GOOD_SO_YAML}---\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: worker\n  namespace: shop\nspec: worker\n`,
    errors: ['target shop/worker: spec: must be a map, not "worker"'],
    loads: GOOD,
  },

  // --- duplicates -----------------------------------------------------------------------------
  {
    name: 'two targets with one namespace/name',
    targets: beside(worker({}), worker({ maxReplicaCount: 5 })),
    errors: ['target shop/worker: is defined twice: #1 has the same namespace/name (set name to tell them apart)'],
    loads: ['shop/good', 'shop/worker'],
  },
  {
    name: 'two targets on one Deployment',
    targets: beside(target('worker', { name: 'worker-orders' }), target('worker', { name: 'worker-returns' })),
    errors: ['target shop/worker-returns: scaleTargetRef: Deployment shop/worker is already scaled by target shop/worker-orders (#1)'],
    loads: ['shop/good', 'shop/worker-orders'],
  },

  // --- the target's cluster -------------------------------------------------------------------
  {
    name: 'cluster not in SCALER_CLUSTERS',
    targets: beside(worker({ cluster: 'staging' })),
    errors: ['target shop/worker: cluster: "staging" is not in SCALER_CLUSTERS (known: prod)'],
    loads: GOOD,
  },
  {
    name: 'cluster required when SCALER_CLUSTERS names several',
    targets: JSON.stringify([target('good', { cluster: 'prod' }), worker({})]),
    clusters: JSON.stringify({ prod: { resourceId: AKS_ID }, edge: { server: 'https://edge.example:6443', certificateAuthorityData: CA } }),
    errors: ['target shop/worker: cluster: is required when SCALER_CLUSTERS names several clusters (prod, edge)'],
    loads: GOOD,
  },
  {
    name: 'no SCALER_CLUSTERS at all',
    targets: beside(),
    clusters: '',
    errors: ['target shop/good: cluster: is required, and SCALER_CLUSTERS names no cluster'],
    loads: [],
  },

  // --- SCALER_CLUSTERS ------------------------------------------------------------------------
  {
    name: 'SCALER_CLUSTERS is a string, not a map',
    targets: beside(),
    clusters: '"prod"',
    errors: [
      'SCALER_CLUSTERS: must be a map of names to entries, or a list of entries with a name, not "prod"',
      'target shop/good: cluster: cannot be chosen: SCALER_CLUSTERS could not be read',
    ],
    loads: [],
  },
  {
    name: 'SCALER_CLUSTERS is not JSON',
    targets: beside(),
    clusters: '{"prod": {"resourceId": ',
    errors: [
      'SCALER_CLUSTERS: not valid JSON or YAML: Flow map in block collection must be sufficiently indented and end with a } at line 1, column 25',
      'target shop/good: cluster: cannot be chosen: SCALER_CLUSTERS could not be read',
    ],
    loads: [],
  },
  ...clusterRows(),
];

/** Rows for one bad SCALER_CLUSTERS entry `edge` beside the good `prod`, which keeps working. */
function clusterRows(): Row[] {
  const withEdge = (edge: unknown, settings?: Settings): Pick<Row, 'targets' | 'clusters' | 'settings'> => ({
    targets: JSON.stringify([target('good', { cluster: 'prod' }), worker({ cluster: 'edge' })]),
    clusters: JSON.stringify({ prod: { resourceId: AKS_ID }, edge }),
    ...(settings ? { settings } : {}),
  });
  const refused = 'target shop/worker: cluster: "edge" is not usable: its SCALER_CLUSTERS entry has errors';
  return [
    {
      name: 'cluster with none of resourceId, server, context',
      ...withEdge({ identityClientId: '00000000-0000-0000-0000-0000000000aa' }),
      errors: ['cluster edge: give one of resourceId (AKS), server (with certificateAuthorityData) or context (kubeconfig, local development)', refused],
      loads: GOOD,
    },
    {
      name: 'cluster with both resourceId and server',
      ...withEdge({ resourceId: AKS_ID, server: 'https://edge.example:6443', certificateAuthorityData: CA }),
      errors: ['cluster edge: give only one of resourceId, server or context, not resourceId and server', refused],
      loads: GOOD,
    },
    {
      name: 'cluster with a resource id of another resource type',
      ...withEdge({ resourceId: '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/shop-rg/providers/Microsoft.Web/sites/shop' }),
      errors: [
        'cluster edge: resourceId: "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/shop-rg/providers/Microsoft.Web/sites/shop" is not an AKS resource id (/subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.ContainerService/managedClusters/<name>)',
        refused,
      ],
      loads: GOOD,
    },
    {
      name: 'cluster server over http',
      ...withEdge({ server: 'http://edge.example:6443', certificateAuthorityData: CA }),
      errors: ['cluster edge: server: "http://edge.example:6443" is not an https:// URL', refused],
      loads: GOOD,
    },
    {
      name: 'cluster server that is not a URL',
      ...withEdge({ server: 'edge.example:6443', certificateAuthorityData: CA }),
      errors: ['cluster edge: server: "edge.example:6443" is not an https:// URL', refused],
      loads: GOOD,
    },
    {
      name: 'cluster server without certificateAuthorityData',
      ...withEdge({ server: 'https://edge.example:6443' }),
      errors: ['cluster edge: certificateAuthorityData: is required with server (base64 of the cluster CA PEM)', refused],
      loads: GOOD,
    },
    {
      name: 'cluster certificateAuthorityData as PEM text, not base64',
      ...withEdge({ server: 'https://edge.example:6443', certificateAuthorityData: '-----BEGIN CERTIFICATE-----' }),
      errors: ["cluster edge: certificateAuthorityData: is not base64 of a PEM certificate (as in a kubeconfig's certificate-authority-data)", refused],
      loads: GOOD,
    },
    {
      name: 'cluster kubeconfig context without SCALER_LOCAL_DEVELOPMENT',
      ...withEdge({ context: 'kind-edge' }),
      errors: [`cluster edge: context: ${LOCAL_ONLY}`, refused],
      loads: GOOD,
    },
    {
      name: 'cluster armEndpoint without SCALER_LOCAL_DEVELOPMENT',
      ...withEdge({ resourceId: AKS_ID, armEndpoint: 'https://127.0.0.1:8443' }),
      errors: [`cluster edge: armEndpoint: ${LOCAL_ONLY}`, refused],
      loads: GOOD,
    },
    {
      name: 'cluster armEndpoint with a server cluster',
      ...withEdge({ server: 'https://edge.example:6443', certificateAuthorityData: CA, armEndpoint: 'https://127.0.0.1:8443' }, { SCALER_LOCAL_DEVELOPMENT: 'true' }),
      errors: ['cluster edge: armEndpoint: is only used with resourceId', refused],
      loads: GOOD,
    },
    {
      name: 'cluster field misspelt',
      ...withEdge({ resourceID: AKS_ID }),
      errors: [
        'cluster edge: unknown field(s): resourceID (did you mean resourceId?)',
        'cluster edge: give one of resourceId (AKS), server (with certificateAuthorityData) or context (kubeconfig, local development)',
        refused,
      ],
      loads: GOOD,
    },
    {
      name: 'cluster identityClientId not a GUID',
      ...withEdge({ resourceId: AKS_ID, identityClientId: 'scaler' }),
      errors: ['cluster edge: identityClientId: "scaler" is not a client id (a GUID)', refused],
      loads: GOOD,
    },
    {
      name: 'cluster list entry without a name, and a name listed twice',
      targets: JSON.stringify([target('good', { cluster: 'prod' })]),
      clusters: `- name: prod\n  resourceId: ${AKS_ID}\n- resourceId: ${AKS_ID}\n- name: prod\n  resourceId: ${AKS_ID}\n`,
      errors: ['cluster #1: name: is required in a list of clusters', 'cluster prod: is listed twice in SCALER_CLUSTERS'],
      loads: GOOD,
    },
    {
      name: 'AZURE_CLIENT_ID not a GUID',
      targets: beside(),
      settings: { AZURE_CLIENT_ID: 'scaler-identity' },
      errors: ['AZURE_CLIENT_ID: "scaler-identity" is not a client id (a GUID); ignored, as if it were not set: the system-assigned identity is used'],
      loads: GOOD,
    },
  ];
}

/** advanced.scalingModifiers: KEDA's rules (webhook, HasValidFallback) and the formula's grammar (shared/config/formula.ts). */
function scalingModifierRows(): Row[] {
  const refused = (name: string, formula: string, reason: string): Row => ({ name: `formula ${name}`, targets: beside(modified({ formula, target: '5' })), errors: [`${FORMULA}${reason}`], loads: GOOD });
  return [
    { name: 'scalingModifiers with a formula over two named triggers loads', targets: beside(modified({ formula: '(a + b) / 2', target: '5', activationTarget: '1.5', metricType: 'Value' })), errors: [], loads: [...GOOD, 'shop/worker'] },
    { name: 'scalingModifiers with every field empty is no scalingModifiers (as KEDA)', targets: beside(worker({ advanced: { scalingModifiers: { formula: '', target: '' } } })), errors: [], loads: [...GOOD, 'shop/worker'] },
    { name: 'scalingModifiers without a formula', targets: beside(modified({ target: '5' })), errors: [`${FORMULA}is required when scalingModifiers is given (KEDA: ScalingModifiers.Formula is mandatory)`], loads: GOOD },
    { name: 'scalingModifiers without a target', targets: beside(modified({ formula: 'a + b' })), errors: ['target shop/worker: advanced.scalingModifiers.target: is required with a formula (KEDA: formula is given but target is empty)'], loads: GOOD },
    { name: 'scalingModifiers target 0', targets: beside(modified({ formula: 'a + b', target: '0' })), errors: ['target shop/worker: advanced.scalingModifiers.target: 0 is not more than 0'], loads: GOOD },
    { name: 'scalingModifiers target not a number', targets: beside(modified({ formula: 'a + b', target: 'ten' })), errors: ['target shop/worker: advanced.scalingModifiers.target: "ten" is not a number'], loads: GOOD },
    { name: 'scalingModifiers target below a thousandth', targets: beside(modified({ formula: 'a + b', target: '0.0004' })), errors: ['target shop/worker: advanced.scalingModifiers.target: 0.0004 is less than 0.001: the HPA is given the target in thousandths'], loads: GOOD },
    { name: 'scalingModifiers activationTarget not a number', targets: beside(modified({ formula: 'a + b', target: '5', activationTarget: 'Infinity' })), errors: ['target shop/worker: advanced.scalingModifiers.activationTarget: "Infinity" is not a number'], loads: GOOD },
    { name: 'scalingModifiers metricType Utilization', targets: beside(modified({ formula: 'a + b', target: '5', metricType: 'Utilization' })), errors: ['target shop/worker: advanced.scalingModifiers.metricType: "Utilization" is not supported, only AverageValue or Value (KEDA refuses Utilization for external metrics too)'], loads: GOOD },
    { name: 'scalingModifiers with an unknown field', targets: beside(modified({ formula: 'a + b', target: '5', fomula: 'a' })), errors: ['target shop/worker: advanced.scalingModifiers: unknown field(s): fomula (did you mean formula?)'], loads: GOOD },
    {
      name: 'a trigger without a name next to a formula loads, as KEDA accepts it, with a warning',
      targets: beside(worker({ triggers: [queue({}, { name: 'a' }), queue({ queueName: 'returns' })], advanced: { scalingModifiers: { formula: 'a * 2', target: '5' } } })),
      errors: [],
      warnings: ['target shop/worker: triggers[1].name: is not given: the formula cannot name this trigger; it is still read, and while it fails the target holds (as in KEDA)'],
      loads: [...GOOD, 'shop/worker'],
    },
    {
      name: 'fallback with a formula needs a whole-number target (KEDA never falls back otherwise)',
      targets: beside(modified({ formula: 'a + b', target: '2.5' }, { fallback: { failureThreshold: 3, replicas: 4 } })),
      errors: ['target shop/worker: fallback: is never used by KEDA with advanced.scalingModifiers.target "2.5", not a whole number: give a whole-number target, or remove fallback'],
      loads: GOOD,
    },
    {
      name: 'a message age target beside a formula: refused, the formula sees each trigger\'s length only',
      targets: beside(worker({ triggers: [queue({ messageAgeTarget: '30' }, { name: 'a' }), queue({ queueName: 'returns' }, { name: 'b' })], advanced: { scalingModifiers: { formula: 'a + b', target: '5' } } })),
      errors: ['target shop/worker: triggers[0].metadata: sets a message age target, which advanced.scalingModifiers cannot use: the formula takes the place of the triggers\' metrics and sees each trigger\'s value (its length) only; remove the age target or the formula'],
      loads: GOOD,
    },
    { name: 'fallback behavior scalingModifiers with a formula loads', targets: beside(modified({ formula: 'a ?? b ?? 8', target: '2' }, { fallback: { failureThreshold: 3, replicas: 10, behavior: 'scalingModifiers' } })), errors: [], loads: [...GOOD, 'shop/worker'] },
    refused('naming no trigger', 'a + c', 'c is not the name of a trigger of this target (its triggers are named a, b)'),
    refused('reaching for a prototype', 'constructor', 'constructor is not the name of a trigger of this target (its triggers are named a, b)'),
    refused('with member access', 'a.constructor', 'member access (.constructor) is not supported'),
    refused('with indexing', 'a["__proto__"]', 'indexing with [...] is not supported'),
    refused('with a string', '"5"', 'the string "5" is not supported: a formula is about numbers'),
    refused('with %', 'a % 2', 'the operator % is not supported'),
    refused('with a number past float64', 'a * 1e309', 'the number 1e309 is out of range'),
    refused('with in', 'a in [1, 2]', 'the operator in is not supported'),
    refused('with an unknown function', 'sqrt(a)', 'the function sqrt() is not supported (the functions are abs, ceil, floor, round, float, int, min, max, count)'),
    refused('calling a member', 'Math.max(a, b)', 'member access (.max) is not supported'),
    refused('with abs of two arguments', 'abs(a, b)', 'abs() takes 1 argument, not 2'),
    refused('with count but no predicate', 'count([a, b])', 'count() takes a list and a predicate, as in count([a, b], {# > 1})'),
    refused('with # outside a predicate', '# + a', '# is only defined inside the predicate {...} of count()'),
    refused('with a list outside min, max and count', '[a, b]', 'a list [...] is only accepted as an argument of min(), max() or count()'),
    refused('with nil', 'a ?? nil', 'nil is not supported: a trigger past fallback.failureThreshold is nil with fallback.behavior scalingModifiers, and ?? routes around it'),
    refused('giving true or false', 'a > b', 'gives true or false, not a number (KEDA: the formula must return a single value, not a boolean)'),
    refused('with a number as a condition', 'a ? 1 : 0', 'the condition of ?: needs true or false (a comparison), not a number'),
    refused('adding a comparison', '(a > 1) + b', 'the operator + needs a number, not true or false'),
    refused('mixing ?? with + without parentheses', 'a ?? b + 1', '?? and + cannot be mixed without parentheses: write (a ?? b) + c or a ?? (b + c), as KEDA\'s expr requires'),
    refused('with an assignment', 'a = 1', 'the operator = is not supported'),
    refused('with two expressions', 'a b', 'does not parse: two expressions side by side (is an operator missing between them?)'),
    refused('with an unclosed parenthesis', '(a + b', 'does not parse: Unclosed ( at character 7'),
    refused('that is empty', '   ', 'is empty'),
    refused('too long', `a${' + a'.repeat(520)}`, 'is 2081 characters long: at most 2048'),
    refused('of too many operations in a row', `a${'+a'.repeat(300)}`, 'nests operations more than 256 deep'),
    refused('nested too deep', `${'('.repeat(300)}a${')'.repeat(300)}`, 'nests parentheses, brackets or braces more than 256 deep'),
  ];
}

describe('malformed configuration corpus', () => {
  test('holds at least 40 rows, with distinct names', () => {
    expect(rows.length).toBeGreaterThanOrEqual(40);
    expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
  });

  test.each(rows)('$name', (row) => {
    const config = loadConfig({ SCALER_TARGETS: row.targets, SCALER_CLUSTERS: row.clusters ?? ONE_CLUSTER, ...row.settings });
    expect(config.errors.map((e) => e.message)).toEqual(row.errors);
    expect(config.warnings.map((w) => w.message)).toEqual(row.warnings ?? []);
    for (const e of config.errors) expect(e).toBeInstanceOf(ConfigError);
    expect(config.targets.map((t) => t.id)).toEqual(row.loads);
  });

  test('no message echoes the connection string', () => {
    const secret = 'AccountKey=c2VjcmV0';
    const config = loadConfig({ SCALER_TARGETS: beside(meta({ connection: `DefaultEndpointsProtocol=https;AccountName=shopdata;${secret}` })), SCALER_CLUSTERS: ONE_CLUSTER });
    expect(config.errors).toHaveLength(1);
    expect(config.errors.map((e) => e.message).join('\n')).not.toContain('c2VjcmV0');
  });

  test('errors carry where, path and reason separately', () => {
    const [error] = loadConfig({ SCALER_TARGETS: beside(meta({ queueLength: 'AA' })), SCALER_CLUSTERS: ONE_CLUSTER }).errors;
    expect(error).toMatchObject({ where: 'target shop/worker', path: 'triggers[0].metadata.queueLength', reason: '"AA" is not an integer' });
  });
});
