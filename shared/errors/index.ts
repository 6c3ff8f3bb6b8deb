// A small error hierarchy: every error says what and where, and keeps the
// original in `cause`. Messages never carry secrets: configuration values that may hold one
// are not echoed. And deadline.ts: the time limit of one call, after which it fails.

export class ScalerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Thrown or collected when a setting, target or field is invalid. */
export class ConfigError extends ScalerError {
  constructor(
    /** The target (`namespace/name`, or `#index` before a name is known) or setting. */
    readonly where: string,
    /** Dotted field path inside it, e.g. `triggers[0].metadata.queueLength`. */
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${where}: ${path ? `${path}: ` : ''}${reason}`);
  }
}

/**
 * A configuration problem that does not stop its target: a field that is dropped, saying what
 * takes its place. The same where, path and reason as a ConfigError, and the same message shape;
 * reported once at load, and the target runs.
 */
export class ConfigWarning {
  readonly message: string;
  constructor(
    readonly where: string,
    readonly path: string,
    readonly reason: string,
  ) {
    this.message = `${where}: ${path ? `${path}: ` : ''}${reason}`;
  }
}

/** A metric source could not be read (missing queue, 403, throttling, network). */
export class SourceError extends ScalerError {}

/** The Kubernetes API refused or failed a call, or a cluster could not be reached. */
export class KubeError extends ScalerError {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The state store failed (other than an ETag conflict, which is retried). */
export class StateError extends ScalerError {}

export const isScalerError = (e: unknown): e is ScalerError => e instanceof ScalerError;

/** The message of anything thrown, for logs and telemetry. */
export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export { deadline, withDeadline, type Deadline } from './deadline.js';
