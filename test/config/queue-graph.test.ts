// The queues of all targets, checked together (shared/config/queue-graph.ts): one row per way a
// target's wake path could consume, flood or loop through another target's queues, each with
// the exact message, and rows that must still load. The offending target is refused; the others
// keep working.
import { describe, expect, test } from 'vitest';
import { loadConfig, type Settings } from '../../shared/config/index.js';
import { sameQueue, wakeAccount } from '../../shared/config/queue-graph.js';
import { accountOfConnectionString, accountOfUrl, queuesOf, STORAGE_QUEUE_SERVICE } from '../../shared/sources/index.js';

const AKS_ID = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/shop-rg/providers/Microsoft.ContainerService/managedClusters/shop-aks';
/** The app's own storage account (wake queues without accountName live there). */
const APP = { AzureWebJobsStorage__accountName: 'scalerapp' };
const AZURITE = 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;';

type Json = Record<string, unknown>;
type Wake = { queueName: string; accountName?: string; forwardTo?: string };

/** Target shop/<name> scaling Deployment <name> from `queues` in account shopdata (or `metadata`). */
const target = (name: string, queues: string[], wake?: Wake, metadata: Json = { accountName: 'shopdata' }): Json => ({
  name,
  namespace: 'shop',
  scaleTargetRef: { name },
  triggers: queues.map((queueName) => ({ type: 'azure-queue', metadata: { queueName, ...metadata } })),
  ...(wake ? { wake } : {}),
});
/** A neighbour that must keep loading in every row. */
const good = target('good', ['good-work']);

interface Row {
  name: string;
  targets: Json[];
  settings?: Settings;
  errors: string[];
  loads: string[];
}

const BY_NAME = ' (the settings do not say which storage account each is in, so the names are compared)';
const LOSES = (id: string): string => `a wake function deletes every message of its queue, so target ${id} would lose its work. Use a queue of its own`;
const MIXED = 'Targets sharing a wake queue must all forward, or all signal';

const refusals: Row[] = [
  {
    name: "a wake queue that is another target's work queue (the incident): the wake owner is refused",
    targets: [good, target('a', ['orders']), target('b', ['invoices'], { queueName: 'orders', accountName: 'shopdata' })],
    settings: APP,
    errors: [`target shop/b: wake.queueName: "orders" in account shopdata is the work queue of target shop/a (triggers[0]): ${LOSES('shop/a')}`],
    loads: ['shop/good', 'shop/a'],
  },
  {
    name: "the same, listed before the target whose work it would take",
    targets: [good, target('b', ['invoices'], { queueName: 'orders', accountName: 'shopdata' }), target('a', ['orders'])],
    settings: APP,
    errors: [`target shop/b: wake.queueName: "orders" in account shopdata is the work queue of target shop/a (triggers[0]): ${LOSES('shop/a')}`],
    loads: ['shop/good', 'shop/a'],
  },
  {
    name: "a wake queue in the app's storage, whose account the settings do not name: compared by name",
    targets: [good, target('a', ['orders']), target('b', ['invoices'], { queueName: 'orders' })],
    errors: [`target shop/b: wake.queueName: "orders" is the work queue of target shop/a (triggers[0])${BY_NAME}: ${LOSES('shop/a')}`],
    loads: ['shop/good', 'shop/a'],
  },
  {
    name: 'a wake queue that is the work queue of two other targets: one message naming both',
    targets: [good, target('a', ['orders']), target('c', ['returns', 'orders']), target('b', ['invoices'], { queueName: 'orders', accountName: 'shopdata' })],
    settings: APP,
    errors: ['target shop/b: wake.queueName: "orders" in account shopdata is the work queue of targets shop/a, shop/c: a wake function deletes every message of its queue, so they would lose their work. Use a queue of its own'],
    loads: ['shop/good', 'shop/a', 'shop/c'],
  },
  {
    name: 'a wake queue that is its own work queue (the same-target message)',
    targets: [good, target('a', ['orders'], { queueName: 'orders', accountName: 'shopdata' })],
    errors: ['target shop/a: wake.queueName: "orders" is the work queue of triggers[0]: the wake function consumes its queue, so the workload would never get these messages. Use a separate queue (e.g. orders-wake) with forwardTo: orders'],
    loads: ['shop/good'],
  },
  {
    name: "the app's storage from a development connection string and a path-style queue URL: the same account",
    targets: [good, target('a', ['orders'], undefined, { queueServiceUri: 'http://127.0.0.1:10001/DevStoreAccount1' }), target('b', ['invoices'], { queueName: 'orders' })],
    settings: { SCALER_LOCAL_DEVELOPMENT: 'true', AzureWebJobsStorage: 'UseDevelopmentStorage=true' },
    errors: [`target shop/b: wake.queueName: "orders" in account devstoreaccount1 is the work queue of target shop/a (triggers[0]): ${LOSES('shop/a')}`],
    loads: ['shop/good', 'shop/a'],
  },
  {
    name: 'a trigger through connectionFromEnv and a wake connection string naming the same account',
    targets: [good, target('a', ['orders'], undefined, { connectionFromEnv: 'QUEUES' }), target('b', ['invoices'], { queueName: 'orders', accountName: 'producers' })],
    settings: { SCALER_LOCAL_DEVELOPMENT: 'true', QUEUES: AZURITE, SCALER_WAKE_producers: AZURITE },
    errors: [`target shop/b: wake.queueName: "orders" in account devstoreaccount1 is the work queue of target shop/a (triggers[0]): ${LOSES('shop/a')}`],
    loads: ['shop/good', 'shop/a'],
  },
  {
    name: "a forwardTo that is another target's wake queue",
    targets: [good, target('a', ['orders'], { queueName: 'a-inbox', accountName: 'shopdata' }), target('b', ['invoices'], { queueName: 'b-inbox', accountName: 'shopdata', forwardTo: 'a-inbox' })],
    settings: APP,
    errors: ['target shop/b: wake.forwardTo: "a-inbox" is the wake queue of target shop/a: its wake function would take these messages (waking shop/a), so the workload of shop/b would not get them. Forward to a work queue of shop/b'],
    loads: ['shop/good', 'shop/a'],
  },
  {
    name: 'forwarding that loops: each forwards into the other\'s wake queue, both refused',
    targets: [
      good,
      target('a', ['orders'], { queueName: 'a-inbox', accountName: 'shopdata', forwardTo: 'b-inbox' }),
      target('b', ['invoices'], { queueName: 'b-inbox', accountName: 'shopdata', forwardTo: 'a-inbox' }),
    ],
    settings: APP,
    errors: [
      'target shop/a: wake.forwardTo: "b-inbox" is the wake queue of target shop/b, and the forwards loop back: a-inbox (shop/a) -> b-inbox (shop/b) -> a-inbox: each message would go round the loop forever',
      'target shop/b: wake.forwardTo: "a-inbox" is the wake queue of target shop/a, and the forwards loop back: b-inbox (shop/b) -> a-inbox (shop/a) -> b-inbox: each message would go round the loop forever',
    ],
    loads: ['shop/good'],
  },
  {
    name: 'a forward to its own wake queue (a loop of one)',
    targets: [good, target('a', ['orders'], { queueName: 'inbox', forwardTo: 'inbox' })],
    errors: ['target shop/a: wake.forwardTo: "inbox" is the wake queue itself: each message would be forwarded to itself forever'],
    loads: ['shop/good'],
  },
  {
    name: 'a wake queue that is the poison queue of another wake queue',
    targets: [good, target('a', ['orders'], { queueName: 'inbox' }), target('b', ['invoices'], { queueName: 'inbox-poison' })],
    settings: APP,
    errors: ['target shop/b: wake.queueName: "inbox-poison" is the poison queue of wake queue "inbox" (target shop/a): the host puts the wake messages that fail there, and a wake function on it would consume them'],
    loads: ['shop/good', 'shop/a'],
  },
  {
    name: 'a forwardTo that is the poison queue of a wake queue',
    targets: [good, target('a', ['orders'], { queueName: 'inbox', accountName: 'shopdata' }), target('b', ['invoices'], { queueName: 'b-inbox', forwardTo: 'inbox-poison' })],
    settings: APP,
    errors: ['target shop/b: wake.forwardTo: "inbox-poison" is the poison queue of wake queue "inbox" (target shop/a): the host puts the wake messages that fail there, and the workload would never get these'],
    loads: ['shop/good', 'shop/a'],
  },
  {
    name: "a forwardTo that is another target's work queue and not its own",
    targets: [good, target('a', ['orders']), target('b', ['invoices'], { queueName: 'b-inbox', forwardTo: 'orders' })],
    settings: APP,
    errors: ['target shop/b: wake.forwardTo: "orders" is the work queue of target shop/a (triggers[0]), not of shop/b: the forwarded messages would become the work of another workload. Forward to a work queue of shop/b'],
    loads: ['shop/good', 'shop/a'],
  },
  {
    name: 'a wake queue serving a signal-mode target, then a forward-mode one',
    targets: [good, target('a', ['orders'], { queueName: 'inbox' }), target('b', ['invoices'], { queueName: 'inbox', forwardTo: 'invoices' })],
    settings: APP,
    errors: [`target shop/b: wake.forwardTo: wake queue "inbox" also serves target shop/a in signal mode: every message on a forwarding wake queue is forwarded, so a signal meant for shop/a would land in queue "invoices" as the work of shop/b. ${MIXED}`],
    loads: ['shop/good', 'shop/a'],
  },
  {
    name: 'a wake queue serving a forward-mode target, then a signal-mode one',
    targets: [good, target('a', ['orders'], { queueName: 'inbox', forwardTo: 'orders' }), target('b', ['invoices'], { queueName: 'inbox' })],
    settings: APP,
    errors: [`target shop/b: wake: wake queue "inbox" also serves target shop/a in forward mode: every message on a forwarding wake queue is forwarded, so a signal meant for shop/b would land in queue "orders" as the work of shop/a. ${MIXED}`],
    loads: ['shop/good', 'shop/a'],
  },
  {
    name: 'one wake queue reached through two connections (two functions would share it)',
    targets: [good, target('a', ['orders'], { queueName: 'signals' }), target('b', ['invoices'], { queueName: 'signals', accountName: 'scalerapp' })],
    settings: APP,
    errors: ['target shop/b: wake: wake queue "signals" in account scalerapp is also the wake queue of target shop/a, named with another connection: two functions would poll it and take each other\'s messages. Name its account the same way in both targets (wake.accountName)'],
    loads: ['shop/good', 'shop/a'],
  },
  {
    name: 'a wake queue name longer than 56 characters',
    targets: [good, target('a', ['orders'], { queueName: 'w'.repeat(57) })],
    errors: [`target shop/a: wake.queueName: "${'w'.repeat(57)}" is longer than 56 characters: the host moves failed wake messages to "${'w'.repeat(57)}-poison", longer than the 63 characters Azure allows a queue name`],
    loads: ['shop/good'],
  },
];

const loads: Row[] = [
  {
    name: 'two targets sharing a wake queue, both forwarding to their own work queues',
    targets: [good, target('a', ['orders'], { queueName: 'inbox', forwardTo: 'orders' }), target('b', ['invoices'], { queueName: 'inbox', forwardTo: 'invoices' })],
    settings: APP,
    errors: [],
    loads: ['shop/good', 'shop/a', 'shop/b'],
  },
  {
    name: 'a wake queue in another account with the name of a work queue',
    targets: [good, target('a', ['orders']), target('b', ['invoices'], { queueName: 'orders', accountName: 'producers' })],
    errors: [],
    loads: ['shop/good', 'shop/a', 'shop/b'],
  },
  {
    name: "a wake queue in the app's own account (named by the settings) with the name of a work queue elsewhere",
    targets: [good, target('a', ['orders']), target('b', ['invoices'], { queueName: 'orders' })],
    settings: APP,
    errors: [],
    loads: ['shop/good', 'shop/a', 'shop/b'],
  },
  {
    name: 'the account of the app from its queue service URL',
    targets: [good, target('a', ['orders']), target('b', ['invoices'], { queueName: 'orders' })],
    settings: { AzureWebJobsStorage__queueServiceUri: 'https://scalerapp.queue.core.windows.net' },
    errors: [],
    loads: ['shop/good', 'shop/a', 'shop/b'],
  },
  {
    name: 'a wake connection naming another account than the work queue',
    targets: [good, target('a', ['orders'], undefined, { connectionFromEnv: 'QUEUES' }), target('b', ['invoices'], { queueName: 'orders', accountName: 'producers' })],
    settings: { SCALER_LOCAL_DEVELOPMENT: 'true', QUEUES: AZURITE, SCALER_WAKE_producers__queueServiceUri: 'https://producers.queue.core.windows.net' },
    errors: [],
    loads: ['shop/good', 'shop/a', 'shop/b'],
  },
  {
    name: "a forward to its own work queue that another target reads too",
    targets: [good, target('a', ['orders'], { queueName: 'a-inbox', forwardTo: 'orders' }), target('b', ['orders', 'invoices'])],
    settings: APP,
    errors: [],
    loads: ['shop/good', 'shop/a', 'shop/b'],
  },
  {
    name: "a forward into a wake queue that is refused itself: only the damaging target is refused",
    targets: [good, target('a', ['orders'], { queueName: 'a-inbox', forwardTo: 'orders' }), target('b', ['invoices'], { queueName: 'orders', accountName: 'shopdata' })],
    settings: APP,
    errors: [`target shop/b: wake.queueName: "orders" in account shopdata is the work queue of target shop/a (triggers[0]): ${LOSES('shop/a')}`],
    loads: ['shop/good', 'shop/a'],
  },
  {
    name: 'several signal-mode targets sharing one wake queue',
    targets: [good, target('a', ['orders'], { queueName: 'signals' }), target('b', ['invoices'], { queueName: 'signals' })],
    errors: [],
    loads: ['shop/good', 'shop/a', 'shop/b'],
  },
  {
    name: 'a wake queue name of 56 characters',
    targets: [good, target('a', ['orders'], { queueName: 'w'.repeat(56) })],
    errors: [],
    loads: ['shop/good', 'shop/a'],
  },
];

function load(row: Row) {
  return loadConfig({ SCALER_CLUSTERS: JSON.stringify({ prod: { resourceId: AKS_ID } }), SCALER_TARGETS: JSON.stringify(row.targets), ...row.settings });
}

describe('queue graph: what one target may do to the queues of another', () => {
  test.each(refusals)('refused: $name', (row) => {
    const config = load(row);
    expect(config.errors.map((e) => e.message)).toEqual(row.errors);
    expect(config.targets.map((t) => t.id)).toEqual(row.loads);
  });

  test.each(loads)('loads: $name', (row) => {
    const config = load(row);
    expect(config.errors.map((e) => e.message)).toEqual(row.errors);
    expect(config.targets.map((t) => t.id)).toEqual(row.loads);
  });

  test('in what loads, no wake queue is a work queue, a forward target of another, or a poison queue', () => {
    for (const row of [...refusals, ...loads]) {
      const settings: Settings = { ...row.settings };
      const config = load(row);
      const work = config.targets.flatMap((t) => t.triggers.flatMap((tr) => queuesOf(tr, settings).map((queue) => ({ id: t.id, queue }))));
      const wakes = config.targets.flatMap((t) => (t.wake ? [{ id: t.id, queue: { name: t.wake.queueName, account: wakeAccount(t.wake, config), service: STORAGE_QUEUE_SERVICE } }] : []));
      for (const w of wakes) {
        expect(work.filter((q) => sameQueue(q.queue, w.queue)), `${row.name}: ${w.id}`).toEqual([]);
        expect(wakes.filter((o) => sameQueue({ ...o.queue, name: `${o.queue.name}-poison` }, w.queue)), `${row.name}: ${w.id}`).toEqual([]);
      }
      for (const t of config.targets.filter((x) => x.wake?.forwardTo)) {
        const forward = { ...queuesOf(t.triggers[0]!, settings)[0]!, name: t.wake!.forwardTo! };
        expect(wakes.filter((w) => sameQueue(w.queue, forward)), `${row.name}: ${t.id}`).toEqual([]);
        expect(work.filter((q) => q.id !== t.id && sameQueue(q.queue, forward)).every(() => work.some((q) => q.id === t.id && sameQueue(q.queue, forward)))).toBe(true);
      }
    }
  });
});

describe('which account a queue is in', () => {
  test.each([
    ['https://shopdata.queue.core.windows.net', 'shopdata'],
    ['https://ShopData.queue.core.windows.net/', 'shopdata'],
    ['http://127.0.0.1:10001/devstoreaccount1', 'devstoreaccount1'],
    ['http://localhost:10001/DevStoreAccount1/', 'devstoreaccount1'],
    ['http://[::1]:10001/devstoreaccount1', 'devstoreaccount1'],
    ['not a url', undefined],
  ])('URL %s: %s', (url, account) => {
    expect(accountOfUrl(url)).toBe(account);
  });

  test.each([
    ['UseDevelopmentStorage=true', 'devstoreaccount1'],
    [AZURITE, 'devstoreaccount1'],
    ['DefaultEndpointsProtocol=https;AccountName=ShopData;AccountKey=a2V5;EndpointSuffix=core.windows.net', 'shopdata'],
    ['QueueEndpoint=https://producers.queue.core.windows.net;SharedAccessSignature=sv=2024&sig=x', 'producers'],
    ['just text', undefined],
    ['', undefined],
  ])('connection string %#: %s', (text, account) => {
    expect(accountOfConnectionString(text)).toBe(account);
  });
});
