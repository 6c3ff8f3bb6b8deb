// Why the scaler changed a workload, where a platform engineer running kubectl looks: a
// Kubernetes Event on it (`kubectl describe deployment <name>`: Type Normal, the decision's code
// as Reason, From aks-queue-scaler, and the decision's reason as Message). Creating events needs
// the optional Role of infra/kubernetes/rbac-events.yaml: without it, the first refusal in a
// namespace is said once, and the scaler goes on scaling there without events.
import type { Decision } from '../engine/index.js';
import { KubeError } from '../errors/index.js';
import type { Kube } from '../kube/index.js';
import { redactSecrets } from '../redact/index.js';
import type { Telemetry } from '../telemetry/index.js';
import { targetKey, workloadOf, type ConfiguredTarget } from './targets.js';

export interface EventDeps {
  kube: Kube;
  telemetry: Telemetry;
  /** cluster/namespace where creating events was refused (403): not tried again by this instance. */
  eventsRefused: Set<string>;
}

/** Records on the workload (uid) that the scaler took it from `from` to `decision.replicas`, and why; never throws. */
export async function recordScaleEvent(deps: EventDeps, { target }: ConfiguredTarget, uid: string, from: number, decision: Decision, why: string): Promise<void> {
  const ref = workloadOf(target);
  const where = `${ref.cluster}/${ref.namespace}`;
  if (deps.eventsRefused.has(where)) return;
  try {
    // The reason may quote what a service answered: redacted, as everything that leaves.
    await deps.kube.recordEvent(ref, uid, { type: 'Normal', reason: decision.code, message: redactSecrets(`Scaled from ${from} to ${decision.replicas}: ${why}`) });
  } catch (e) {
    if (e instanceof KubeError && e.status === 403) deps.eventsRefused.add(where);
    deps.telemetry.failure(e, { operation: 'evaluate', target: targetKey(target), cluster: target.cluster });
  }
}
