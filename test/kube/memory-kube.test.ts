import { createMemoryKube } from '../support/memory-kube.js';
import { runKubeContract } from './contract.js';

let n = 0;
runKubeContract('in memory', async () => {
  const kube = createMemoryKube();
  return {
    kube,
    create: async (replicas, annotations) => {
      const ref = { cluster: 'test', namespace: 'shop', kind: 'Deployment' as const, name: `worker-${++n}` };
      kube.create(ref, replicas, annotations);
      return ref;
    },
    scaleAs: async (ref, replicas, manager) => kube.scaleAs(ref, replicas, manager),
    events: async (ref) => kube.eventsOf(ref),
  };
});
