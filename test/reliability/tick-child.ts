// One tick of the evaluation loop in a process of its own, for killed-tick.test.ts (bundled
// there with esbuild). Input: TICK_CHILD_INPUT = {settings, now, dieAfterWrite?}. It prints
// "started" once the runtime is built, "wrote <namespace> <replicas>" after each scale write,
// and "done <summary>" at the end. With dieAfterWrite = n it kills itself (SIGKILL) right after
// its n-th scale write, before the state of that evaluation is saved: the worst place to die.
import { createEvaluationLoop, createRuntime } from '../../shared/runtime/index.js';
import type { Telemetry } from '../../shared/telemetry/index.js';

interface Input {
  settings: Record<string, string>;
  now: number;
  dieAfterWrite?: number;
}

const input = JSON.parse(process.env.TICK_CHILD_INPUT ?? '{}') as Input;
const quiet: Telemetry = { decision: () => undefined, scaledByOther: () => undefined, failure: () => undefined, warning: () => undefined, flush: async () => undefined };
const runtime = createRuntime(input.settings, { now: () => input.now, telemetry: quiet });
const kube = runtime.kube;
let writes = 0;
runtime.kube = {
  readScale: (ref) => kube.readScale(ref),
  async writeScale(ref, replicas, resourceVersion) {
    const version = await kube.writeScale(ref, replicas, resourceVersion);
    writes++;
    process.stdout.write(`wrote ${ref.namespace} ${replicas}\n`);
    if (writes === input.dieAfterWrite) process.kill(process.pid, 'SIGKILL');
    return version;
  },
  recordEvent: (...args) => kube.recordEvent(...args),
};
process.stdout.write('started\n');
const result = await createEvaluationLoop(runtime).tick();
const summary = { error: result?.error, evaluated: result?.evaluated.length, failed: result?.evaluated.filter((e) => e.error).map((e) => e.error) };
process.stdout.write(`done ${JSON.stringify(summary)}\n`);
