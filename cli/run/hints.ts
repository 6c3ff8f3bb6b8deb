// How to fix what a target finds missing, for `run`'s terminal (cli/decision-lines.ts says it
// once per target). A missing kubeconfig context and a missing queue are explained where they
// are found (shared/kube, the trigger type's reader), since only there is it known what they
// are; a missing workload is a 404 of the Kubernetes API, and its command needs the target.
import { KubeError } from '../../shared/errors/index.js';
import { targetKey, type Runtime } from '../../shared/runtime/index.js';

/** The kubectl commands that create the workload of `target` (its namespace too, when not default). */
export function createWorkloadCommand(runtime: Pick<Runtime, 'targets' | 'config'>, target: string): string | undefined {
  const t = runtime.targets.find((c) => targetKey(c.target) === target)?.target;
  if (!t) return undefined;
  const cluster = runtime.config.clusters.get(t.cluster);
  const kubectl = `kubectl${cluster?.kind === 'kubeconfig' ? ` --context ${cluster.context}` : ''}`;
  const namespace = t.namespace === 'default' ? '' : `${kubectl} create namespace ${t.namespace} (if it is missing too), then `;
  const { kind, name } = t.scaleTargetRef;
  const create = kind === 'Deployment'
    ? `${kubectl} -n ${t.namespace} create deployment ${name} --image=<your worker's image> --replicas=0`
    : `${kubectl} -n ${t.namespace} apply -f <a manifest of StatefulSet ${name}>`;
  return `create it: ${namespace}${create}`;
}

/** The hint for a failure of `target`: a workload the API server does not have (404 on reading it). */
export function workloadHint(runtime: Pick<Runtime, 'targets' | 'config'>): (error: unknown, target: string) => string | undefined {
  return (error, target) => (error instanceof KubeError && error.status === 404 && error.message.startsWith('read ') ? createWorkloadCommand(runtime, target) : undefined);
}
