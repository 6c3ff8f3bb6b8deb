// One tick of the demo as it is shown (terminal line) and reported (HTML).

export interface DemoTick {
  tick: number;
  /** Scaler time since the first tick. */
  seconds: number;
  /** The queue length the scaler read (or, on a tick with no evaluation, the demo did). */
  queue: number;
  /** Deployment spec.replicas before and after the tick's evaluation (read from the cluster). */
  replicasBefore: number;
  replicas: number;
  /** What the engine wanted before limits; null when the target was not evaluated. */
  desired: number | null;
  action: string;
  code: string;
  reason: string;
  /** Messages the simulated consumers processed after the decision. */
  processed: number;
}

/** 75 -> "1:15". */
export const formatSeconds = (seconds: number): string => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;

export function tickHeader(maxReplicas: number): string {
  return ['tick'.padStart(4), 'time'.padStart(6), 'queue'.padStart(6), 'replicas'.padEnd(9), ''.padEnd(maxReplicas), 'desired'.padStart(7), 'action'.padEnd(11), 'reason code'].join('  ');
}

/** One terminal line: `   3    0:45     204  8 -> 10  ██████████       21  scale-up     ScaleUpLimit`. */
export function tickLine(t: DemoTick, maxReplicas: number): string {
  const change = t.replicas === t.replicasBefore ? `${t.replicas}` : `${t.replicasBefore} -> ${t.replicas}`;
  return [
    String(t.tick).padStart(4),
    formatSeconds(t.seconds).padStart(6),
    String(t.queue).padStart(6),
    change.padEnd(9),
    '█'.repeat(Math.min(t.replicas, maxReplicas)).padEnd(maxReplicas),
    (t.desired === null ? '-' : String(t.desired)).padStart(7),
    t.action.padEnd(11),
    t.code,
  ].join('  ').trimEnd();
}
