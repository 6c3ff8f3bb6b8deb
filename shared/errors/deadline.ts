// A time limit for one call to a service (a queue read, a Kubernetes call, a state request), over
// when the call ends. AbortSignal.timeout would leave its timer behind for the whole timeout,
// and firing long after the call had ended it still built a DOMException: per call, a few
// percent of the scaler's CPU (bench/README.md, goal 1).

/** A deadline: its signal aborts `timeoutMs` after it was made, or when the caller's does. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** The call has ended: the timer goes (the signal stays as it is). */
  clear(): void;
}

/**
 * A deadline `timeoutMs` from now, and the caller's signal if any. It aborts as
 * AbortSignal.timeout does, with a `TimeoutError` DOMException as the reason, so the clients see
 * the same abort. Its timer does not hold the process open.
 */
export function deadline(timeoutMs: number, caller?: AbortSignal): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), timeoutMs);
  timer.unref();
  return {
    signal: caller ? AbortSignal.any([caller, controller.signal]) : controller.signal,
    clear: () => clearTimeout(timer),
  };
}

/** `call` with the signal of a deadline `timeoutMs` from now (and the caller's), cleared when it ends. */
export async function withDeadline<T>(timeoutMs: number, call: (signal: AbortSignal) => Promise<T>, caller?: AbortSignal): Promise<T> {
  const limit = deadline(timeoutMs, caller);
  try {
    return await call(limit.signal);
  } finally {
    limit.clear();
  }
}
