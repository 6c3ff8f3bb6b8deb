// What the demo runs: a burst of messages on one queue, a Deployment at 0, consumers that each
// work through a fixed number of messages per tick, and a scaler configured to show every phase
// (scale up, drain, stabilization, cooldown, back to 0) in a minute or two.

export interface DemoScenario {
  name: 'full' | 'short';
  /** The burst sent before the first tick. */
  messages: number;
  /** The trigger's queueLength: messages per replica the scaler aims for. */
  queueLength: number;
  maxReplicaCount: number;
  /** Messages one replica processes in one tick (tickSeconds of scaler time). */
  perReplicaPerTick: number;
  /** Scaler time per tick: the HPA's sync period. */
  tickSeconds: number;
  /** Real time per tick. */
  realMsPerTick: number;
  /** Shorter than KEDA's 300 s default so that the return to 0 comes soon. */
  cooldownPeriod: number;
  /** behavior.scaleDown.stabilizationWindowSeconds; the HPA default is 300 s. */
  scaleDownWindowSeconds: number;
  /** The demo fails if the target is not back at 0 after this many ticks. */
  maxTicks: number;
}

export const SCENARIOS: Record<DemoScenario['name'], DemoScenario> = {
  full: { name: 'full', messages: 300, queueLength: 10, maxReplicaCount: 10, perReplicaPerTick: 8, tickSeconds: 15, realMsPerTick: 1000, cooldownPeriod: 60, scaleDownWindowSeconds: 60, maxTicks: 60 },
  short: { name: 'short', messages: 60, queueLength: 10, maxReplicaCount: 10, perReplicaPerTick: 8, tickSeconds: 15, realMsPerTick: 200, cooldownPeriod: 30, scaleDownWindowSeconds: 30, maxTicks: 30 },
};

/** The app setting holding the demo queue's connection string (Azurite: local development). */
export const QUEUES_SETTING = 'DEMO_QUEUES';
export const DEMO_CLUSTER = 'demo';

/** The demo's one SCALER_TARGETS item. */
export function demoTarget(s: DemoScenario, where: { namespace: string; deployment: string; queueName: string }): Record<string, unknown> {
  return {
    namespace: where.namespace,
    cluster: DEMO_CLUSTER,
    scaleTargetRef: { name: where.deployment },
    pollingInterval: s.tickSeconds,
    cooldownPeriod: s.cooldownPeriod,
    maxReplicaCount: s.maxReplicaCount,
    advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: s.scaleDownWindowSeconds } } } },
    triggers: [{ type: 'azure-queue', metadata: { queueName: where.queueName, connectionFromEnv: QUEUES_SETTING, queueLength: String(s.queueLength) } }],
  };
}

/** The lines that say, before it starts, what the demo will show and how time runs. */
export function describeScenario(s: DemoScenario): string[] {
  const speed = s.tickSeconds / (s.realMsPerTick / 1000);
  return [
    `clock: one tick every ${s.realMsPerTick >= 1000 ? `${s.realMsPerTick / 1000} s` : `${s.realMsPerTick} ms`} of real time = ${s.tickSeconds} s of scaler time (${speed}x)`,
    `burst: ${s.messages} messages; each replica processes ${s.perReplicaPerTick} per tick`,
    `target: queueLength ${s.queueLength} per replica, 0..${s.maxReplicaCount} replicas, scale-down window ${s.scaleDownWindowSeconds} s and cooldownPeriod ${s.cooldownPeriod} s (shortened for the demo; KEDA and HPA default to 300 s)`,
  ];
}
