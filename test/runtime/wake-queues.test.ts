// Which queue-triggered functions the configuration asks for: one per distinct wake queue, with
// a name that stays the same across restarts and the connection the host reads it with.
import { describe, expect, test } from 'vitest';
import { loadConfig, type Target } from '../../shared/config/index.js';
import { wakeQueuesOf } from '../../shared/runtime/index.js';

const trigger = (queueName: string, accountName = 'work'): unknown => ({ type: 'azure-queue', metadata: { queueName, accountName } });
const target = (name: string, wake: { queueName: string; accountName?: string; forwardTo?: string } | undefined, queueName = 'orders'): Record<string, unknown> => ({
  name,
  namespace: 'shop',
  cluster: 'aks',
  scaleTargetRef: { name },
  triggers: [trigger(queueName)],
  ...(wake ? { wake } : {}),
});
const SETTINGS = { SCALER_CLUSTERS: JSON.stringify({ aks: { resourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks' } }) };

function load(targets: unknown[]) {
  return loadConfig({ ...SETTINGS, SCALER_TARGETS: JSON.stringify(targets) });
}
function targetsOf(targets: unknown[]): Target[] {
  const config = load(targets);
  expect(config.errors.map((e) => e.message)).toEqual([]);
  return config.targets;
}
/** The functions as the host would register them: name, queue, connection, targets, mode. */
const functionsOf = (targets: unknown[]) =>
  wakeQueuesOf(targetsOf(targets)).map((q) => ({ functionName: q.functionName, queueName: q.queueName, connection: q.connection, targets: q.targets.map((t) => t.id), forwards: q.forwards }));

describe('wakeQueuesOf: one function per distinct wake queue', () => {
  test.each([
    {
      name: 'no wake field: no function',
      targets: [target('a', undefined)],
      want: [],
    },
    {
      name: 'a wake queue in the app storage: wake-<queue>, AzureWebJobsStorage',
      targets: [target('a', { queueName: 'orders-wake' })],
      want: [{ functionName: 'wake-orders-wake', queueName: 'orders-wake', connection: 'AzureWebJobsStorage', targets: ['shop/a'], forwards: false }],
    },
    {
      name: 'a wake queue in another account: wake-<account>-<queue>, SCALER_WAKE_<account>',
      targets: [target('a', { queueName: 'orders-wake', accountName: 'producers' })],
      want: [{ functionName: 'wake-producers--orders-wake', queueName: 'orders-wake', connection: 'SCALER_WAKE_producers', targets: ['shop/a'], forwards: false }],
    },
    {
      name: 'several targets share one wake queue: one function for all of them',
      targets: [target('a', { queueName: 'signals' }), target('b', { queueName: 'signals' }, 'invoices'), target('c', { queueName: 'signals' }, 'refunds')],
      want: [{ functionName: 'wake-signals', queueName: 'signals', connection: 'AzureWebJobsStorage', targets: ['shop/a', 'shop/b', 'shop/c'], forwards: false }],
    },
    {
      name: 'the same queue name in two accounts: two functions',
      targets: [target('a', { queueName: 'signals' }), target('b', { queueName: 'signals', accountName: 'producers' }, 'invoices')],
      want: [
        { functionName: 'wake-signals', queueName: 'signals', connection: 'AzureWebJobsStorage', targets: ['shop/a'], forwards: false },
        { functionName: 'wake-producers--signals', queueName: 'signals', connection: 'SCALER_WAKE_producers', targets: ['shop/b'], forwards: false },
      ],
    },
    {
      name: 'forward mode when a target forwards',
      targets: [target('a', { queueName: 'orders-inbox', forwardTo: 'orders' })],
      want: [{ functionName: 'wake-orders-inbox', queueName: 'orders-inbox', connection: 'AzureWebJobsStorage', targets: ['shop/a'], forwards: true }],
    },
    {
      // Each forwards to its own work queue (a signal-mode target may not share it: docs/wake.md).
      name: 'a shared queue forwarding for two targets, each to its own work queue',
      targets: [target('a', { queueName: 'inbox', forwardTo: 'orders' }), target('b', { queueName: 'inbox', forwardTo: 'invoices' }, 'invoices')],
      want: [{ functionName: 'wake-inbox', queueName: 'inbox', connection: 'AzureWebJobsStorage', targets: ['shop/a', 'shop/b'], forwards: true }],
    },
  ])('$name', ({ targets, want }) => {
    expect(functionsOf(targets)).toEqual(want);
  });

  test('names are stable: they depend on the queues only, not on the order or number of targets', () => {
    const a = target('a', { queueName: 'signals' });
    const b = target('b', { queueName: 'inbox', accountName: 'producers', forwardTo: 'invoices' }, 'invoices');
    const c = target('c', { queueName: 'signals' }, 'refunds');
    const names = (targets: unknown[]): string[] => functionsOf(targets).map((f) => f.functionName).sort();
    expect(names([a, b, c])).toEqual(['wake-producers--inbox', 'wake-signals']);
    expect(names([c, b, a])).toEqual(names([a, b, c]));
    expect(names([b, c])).toEqual(names([a, b, c]));
  });
});

describe('the wake queue may not be the work queue', () => {
  test.each([
    {
      name: 'same queue, default account',
      wake: { queueName: 'orders' },
      message: 'target shop/a: wake.queueName: "orders" is the work queue of triggers[0]: the wake function consumes its queue, so the workload would never get these messages. Use a separate queue (e.g. orders-wake) with forwardTo: orders',
    },
    {
      name: 'same queue, same account',
      wake: { queueName: 'orders', accountName: 'work' },
      message: 'target shop/a: wake.queueName: "orders" is the work queue of triggers[0]: the wake function consumes its queue, so the workload would never get these messages. Use a separate queue (e.g. orders-wake) with forwardTo: orders',
    },
    {
      name: 'forwarding to itself',
      wake: { queueName: 'inbox', forwardTo: 'inbox' },
      message: 'target shop/a: wake.forwardTo: "inbox" is the wake queue itself: each message would be forwarded to itself forever',
    },
  ])('$name: refused, saying why', ({ wake, message }) => {
    const config = load([target('a', wake)]);
    expect(config.targets).toEqual([]);
    expect(config.errors.map((e) => e.message)).toEqual([message]);
  });

  test('the same queue name in another account is a different queue: accepted', () => {
    expect(functionsOf([target('a', { queueName: 'orders', accountName: 'producers' })]).map((f) => f.functionName)).toEqual(['wake-producers--orders']);
  });
});
