// Every queue the configuration names, per storage account, checked across all targets: no
// target's wake path may consume, flood or loop through another target's queues. A wake
// function deletes each message of its queue; a forward sends each one on; the Functions host
// moves failed wake messages to <wake queue>-poison. Whoever would do the damage is refused,
// and the message names both targets.
import type { Settings } from '../schema/index.js';
import { accountOfConnectionString, accountOfUrl, queuesOf, STORAGE_QUEUE_SERVICE, type QueueRef } from '../sources/index.js';
import { connectionOf, type AppSettings } from './app-settings.js';
import type { Target } from './target.js';

/** Azure's limit on queue names, less "-poison" (the host's queue for failed wake messages). */
const MAX_WAKE_QUEUE_NAME = 63 - '-poison'.length;

interface GraphIssue {
  path: string;
  reason: string;
}

const ref = (name: string, account: string | undefined, service: string): QueueRef => ({ name: name.toLowerCase(), account: account?.toLowerCase(), service });

/**
 * The same queue, as Azure compares names (lower case), on the same service. When the account of
 * either is not known the names alone are compared: refusing a configuration that is fine is
 * better than letting a wake function delete another workload's messages. Queues of two services
 * (a storage queue, a Service Bus queue) are never the same.
 */
export const sameQueue = (a: QueueRef, b: QueueRef): boolean =>
  a.service === b.service && a.name === b.name && (a.account === undefined || b.account === undefined || a.account === b.account);

/**
 * The account of a wake queue, the way its function's connection reaches it
 * (connectionQueueClients in shared/sources/azure-queue/clients.ts): SCALER_WAKE_<accountName>
 * when wake.accountName is given, else the app's own storage (AzureWebJobsStorage); the
 * connection string, else the service URL, else __accountName; else wake.accountName itself.
 */
export function wakeAccount(wake: NonNullable<Target['wake']>, app: AppSettings): string | undefined {
  const c = connectionOf(app, wake.accountName ? `SCALER_WAKE_${wake.accountName}` : 'AzureWebJobsStorage');
  if (c.connectionString) return accountOfConnectionString(c.connectionString);
  const url = c.queueServiceUri ?? c.serviceUri;
  if (url) return accountOfUrl(url);
  return c.accountName ?? wake.accountName;
}

/** The queues one target names. */
interface Node {
  index: number;
  target: Target;
  /** What its triggers read (each trigger type says, shared/sources), by trigger index. */
  work: { trigger: number; queue: QueueRef }[];
  wake?: QueueRef;
  /** wake.forwardTo, in the account of the first trigger's queue (where the wake path sends it). */
  forward?: QueueRef;
  /** The name of its wake function's group (wakeQueuesOf): one function per connection and queue. */
  group?: string;
}

const inAccount = (q: QueueRef): string => (q.account ? ` in account ${q.account}` : '');
/** Said when a comparison was by name only. */
const byName = (...queues: QueueRef[]): string =>
  queues.some((q) => q.account === undefined) ? ' (the settings do not say which storage account each is in, so the names are compared)' : '';

function nodeOf(index: number, target: Target, settings: Settings, app: AppSettings): Node {
  const work = target.triggers.flatMap((t, trigger) => queuesOf(t, settings).map((q) => ({ trigger, queue: ref(q.name, q.account, q.service) })));
  const node: Node = { index, target, work };
  const wake = target.wake;
  if (wake) {
    node.wake = ref(wake.queueName, wakeAccount(wake, app), STORAGE_QUEUE_SERVICE);
    node.group = `${wake.accountName ?? ''}/${wake.queueName}`;
    // Sent with the first trigger's sender: on its service, in its account.
    const first = work.find((w) => w.trigger === 0)?.queue;
    if (wake.forwardTo) node.forward = ref(wake.forwardTo, first?.account, first?.service ?? STORAGE_QUEUE_SERVICE);
  }
  return node;
}

/** Rules about one target's own queues. */
function ownIssues(n: Node): GraphIssue[] {
  const issues: GraphIssue[] = [];
  const wake = n.target.wake;
  if (!wake || !n.wake) return issues;
  if (wake.queueName.length > MAX_WAKE_QUEUE_NAME) {
    issues.push({ path: 'wake.queueName', reason: `"${wake.queueName}" is longer than ${MAX_WAKE_QUEUE_NAME} characters: the host moves failed wake messages to "${wake.queueName}-poison", longer than the 63 characters Azure allows a queue name` });
  }
  for (const w of n.work) {
    if (sameQueue(n.wake, w.queue)) {
      issues.push({
        path: 'wake.queueName',
        reason: `"${wake.queueName}" is the work queue of triggers[${w.trigger}]: the wake function consumes its queue, so the workload would never get these messages. Use a separate queue (e.g. ${wake.queueName}-wake) with forwardTo: ${wake.queueName}`,
      });
    }
  }
  if (n.forward && sameQueue(n.forward, n.wake)) {
    issues.push({ path: 'wake.forwardTo', reason: `"${wake.forwardTo}" is the wake queue itself: each message would be forwarded to itself forever` });
  }
  return issues;
}

/** Names targets in a message: the first few, then how many more. */
const targetList = (ids: string[]): string => (ids.length <= 3 ? ids.join(', ') : `${ids.slice(0, 3).join(', ')} and ${ids.length - 3} more`);

/** A work queue of a target: its trigger index and where it is. */
interface WorkRef {
  node: Node;
  i: number;
  queue: QueueRef;
}

/** The queues by name (a comparison needs equal names first): thousands of targets cost no more than a lookup each. */
interface Index {
  work: Map<string, WorkRef[]>;
  /** The wake queues that get a function (not refused for their own queues). */
  wakes: Map<string, Node[]>;
}

const push = <T>(map: Map<string, T[]>, key: string, value: T): void => void (map.get(key) ?? map.set(key, []).get(key)!).push(value);

/** The targets other than `n` whose work queue `queue` is, with the trigger that reads it. */
const workOf = (index: Index, queue: QueueRef, n: Node): WorkRef[] => {
  const found = new Map<Node, WorkRef>();
  for (const w of index.work.get(queue.name) ?? []) if (w.node !== n && !found.has(w.node) && sameQueue(queue, w.queue)) found.set(w.node, w);
  return [...found.values()];
};
const wakesOf = (index: Index, queue: QueueRef): Node[] => (index.wakes.get(queue.name) ?? []).filter((w) => sameQueue(queue, w.wake!));
/** The wake queue whose poison queue `queue` is, if any. */
const poisonOf = (index: Index, queue: QueueRef): Node | undefined =>
  queue.name.endsWith('-poison') ? wakesOf(index, { ...queue, name: queue.name.slice(0, -'-poison'.length) })[0] : undefined;

const workQueueOf = (refs: WorkRef[]): string =>
  refs.length === 1 ? `target ${refs[0]!.node.target.id} (triggers[${refs[0]!.i}])` : `targets ${targetList(refs.map((r) => r.node.target.id))}`;

/** A wake queue that is another target's work queue: each poll would delete that target's work. */
function wakeOnWorkIssues(n: Node, index: Index): GraphIssue[] {
  if (!n.wake) return [];
  const victims = workOf(index, n.wake, n);
  if (victims.length === 0) return [];
  const lose = victims.length === 1 ? `target ${victims[0]!.node.target.id} would lose its work` : 'they would lose their work';
  return [{
    path: 'wake.queueName',
    reason: `"${n.wake.name}"${inAccount(n.wake)} is the work queue of ${workQueueOf(victims)}${byName(n.wake, ...victims.map((v) => v.queue))}: a wake function deletes every message of its queue, so ${lose}. Use a queue of its own`,
  }];
}

/** The forwarding chain from `start` back to it, if the forwards can loop: the nodes in order. */
function loopFrom(start: Node, index: Index): Node[] | undefined {
  const seen = new Set<Node>();
  const walk = (n: Node, path: Node[]): Node[] | undefined => {
    if (!n.forward) return undefined;
    for (const next of wakesOf(index, n.forward)) {
      if (next === start || sameQueue(next.wake!, start.wake!)) return path;
      if (seen.has(next)) continue;
      seen.add(next);
      const found = walk(next, [...path, next]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(start, [start]);
}

/** Where forwarded messages go: never into a wake queue, a poison queue or another workload's queue. */
function forwardIssues(n: Node, index: Index): GraphIssue[] {
  if (!n.forward || !n.wake) return [];
  const forward = n.forward;
  const name = n.target.wake!.forwardTo!;
  const issues: GraphIssue[] = [];
  const into = wakesOf(index, forward).find((w) => w !== n && !sameQueue(w.wake!, n.wake!));
  if (into) {
    const loop = loopFrom(n, index);
    if (loop) {
      const chain = [...loop.map((l) => `${l.wake!.name} (${l.target.id})`), n.wake.name].join(' -> ');
      issues.push({ path: 'wake.forwardTo', reason: `"${name}" is the wake queue of target ${into.target.id}, and the forwards loop back: ${chain}${byName(forward, into.wake!)}: each message would go round the loop forever` });
    } else {
      issues.push({
        path: 'wake.forwardTo',
        reason: `"${name}" is the wake queue of target ${into.target.id}${byName(forward, into.wake!)}: its wake function would take these messages (waking ${into.target.id}), so the workload of ${n.target.id} would not get them. Forward to a work queue of ${n.target.id}`,
      });
    }
  }
  const poisoned = poisonOf(index, forward);
  if (poisoned) {
    issues.push({ path: 'wake.forwardTo', reason: `"${name}" is the poison queue of wake queue "${poisoned.wake!.name}" (target ${poisoned.target.id})${byName(forward, poisoned.wake!)}: the host puts the wake messages that fail there, and the workload would never get these` });
  }
  if (!n.work.some((w) => sameQueue(forward, w.queue))) {
    const owners = workOf(index, forward, n);
    if (owners.length > 0) {
      issues.push({ path: 'wake.forwardTo', reason: `"${name}" is the work queue of ${workQueueOf(owners)}, not of ${n.target.id}${byName(forward, ...owners.map((o) => o.queue))}: the forwarded messages would become the work of another workload. Forward to a work queue of ${n.target.id}` });
    }
  }
  return issues;
}

/** A wake queue that is the poison queue of another: a wake function would consume the host's failed messages. */
function wakeOnPoisonIssues(n: Node, index: Index): GraphIssue[] {
  const of = n.wake && poisonOf(index, n.wake);
  if (!n.wake || !of) return [];
  return [{ path: 'wake.queueName', reason: `"${n.wake.name}" is the poison queue of wake queue "${of.wake!.name}" (target ${of.target.id})${byName(n.wake, of.wake!)}: the host puts the wake messages that fail there, and a wake function on it would consume them` }];
}

/** One mode per wake queue, and one function per physical queue: against the first target of each, in order. */
function sharingIssues(n: Node, firstOfGroup: Map<string, Node>, firstOfQueue: Map<string, Node>): GraphIssue[] {
  if (!n.wake) return [];
  const first = firstOfGroup.get(n.group!);
  if (!first) firstOfGroup.set(n.group!, n);
  if (first && Boolean(first.forward) !== Boolean(n.forward)) {
    const [forwarding, signalling] = n.forward ? [n, first] : [first, n];
    return [{
      path: n.forward ? 'wake.forwardTo' : 'wake',
      reason: `wake queue "${n.wake.name}" also serves target ${first.target.id} in ${first.forward ? 'forward' : 'signal'} mode: every message on a forwarding wake queue is forwarded, so a signal meant for ${signalling.target.id} would land in queue "${forwarding.target.wake!.forwardTo}" as the work of ${forwarding.target.id}. Targets sharing a wake queue must all forward, or all signal`,
    }];
  }
  // The same queue reached through two connections (wake.accountName given for one, the app's
  // own account for the other): two functions. Only when both accounts are known to be the same.
  if (n.wake.account === undefined) return [];
  const physical = `${n.wake.account}/${n.wake.name}`;
  const twin = firstOfQueue.get(physical);
  if (!twin) firstOfQueue.set(physical, n);
  if (twin && twin.group !== n.group) {
    return [{ path: 'wake', reason: `wake queue "${n.wake.name}" in account ${n.wake.account} is also the wake queue of target ${twin.target.id}, named with another connection: two functions would poll it and take each other's messages. Name its account the same way in both targets (wake.accountName)` }];
  }
  return [];
}

/**
 * Checks the queues of all targets together; returns the issues of each refused target (by its
 * index in SCALER_TARGETS). `settings` tell the trigger types where their queues are (e.g.
 * connectionFromEnv); `app` the wake connections.
 */
export function checkQueueGraph(targets: readonly { index: number; target: Target }[], settings: Settings, app: AppSettings): Map<number, GraphIssue[]> {
  const nodes = targets.map(({ index, target }) => nodeOf(index, target, settings, app));
  const index: Index = { work: new Map(), wakes: new Map() };
  for (const node of nodes) for (const { trigger, queue } of node.work) push(index.work, queue.name, { node, i: trigger, queue });
  const issues = new Map<number, GraphIssue[]>();
  const add = (n: Node, list: GraphIssue[]): void => {
    if (list.length > 0) issues.set(n.index, [...(issues.get(n.index) ?? []), ...list]);
  };
  for (const n of nodes) add(n, [...ownIssues(n), ...wakeOnWorkIssues(n, index)]);
  // A wake queue refused above gets no function: forwarding into it, or sharing it, harms no one
  // (the forward rules still catch a forward into another target's work queue).
  const serving = new Set(nodes.filter((n) => n.wake && !issues.has(n.index)));
  for (const n of serving) push(index.wakes, n.wake!.name, n);
  const firstOfGroup = new Map<string, Node>();
  const firstOfQueue = new Map<string, Node>();
  for (const n of nodes) {
    add(n, [...forwardIssues(n, index), ...wakeOnPoisonIssues(n, index)]);
    if (serving.has(n)) add(n, sharingIssues(n, firstOfGroup, firstOfQueue));
  }
  return issues;
}
