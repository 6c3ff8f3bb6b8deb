// The runtime of the Functions host: built once per worker process from its app settings.
import { createEvaluationLoop, type EvaluationLoop } from './loop.js';
import { createRuntime } from './wiring.js';

let loop: EvaluationLoop | undefined;

export function hostEvaluationLoop(): EvaluationLoop {
  loop ??= createEvaluationLoop(createRuntime(process.env));
  return loop;
}
