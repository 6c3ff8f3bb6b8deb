// What a trigger type is: everything the rest of the scaler needs to know about one KEDA trigger
// type, declared in its own folder (shared/sources/<type>/) and listed once in registry.ts.
// The configuration (schema, local-only fields, the queue graph), the runtime (sources and the
// forward sender), telemetry (the metric name), `import` (KEDA's metadata) and the deployment
// (infra/trigger-types.json, generated from the grants) read it from the registry, never from
// the folder.
import type { z } from 'zod';
import type { TriggerThresholds } from '../engine/index.js';
import type { CheckIssue, Settings } from '../schema/index.js';
import type { Sender, SenderDeps, Source, SourceDeps } from './source.js';

/**
 * A queue (or topic subscription, or whatever a trigger reads) as far as the settings tell where
 * it is, for the queue graph (shared/config/queue-graph.ts), which compares names and accounts in
 * lower case. `account` is undefined when the settings do not say (the names alone are compared
 * then); `service` tells services apart whatever the settings say: refs of two services are never
 * the same queue (a wake queue, a storage queue, never meets a Service Bus queue of its name).
 */
export interface QueueRef {
  name: string;
  account: string | undefined;
  /** The kind of resource it is, as Grants.scope names it (storage-queue, servicebus-entity). */
  service: string;
}

/** What `import` does with part of a KEDA trigger (cli/import/scaled-objects.ts says what each means). */
export type ImportOutcome = 'trigger-kept-out' | 'dropped' | 'changed' | 'replaced' | 'ignored';

export interface ImportNote {
  /** Relative to the trigger: '' (the trigger itself), 'metadata.cloud', 'authenticationRef', ... */
  path: string;
  outcome: ImportOutcome;
  message: string;
}

/** A KEDA trigger's metadata as SCALER_TARGETS takes it, or none (kept out: a note says why). */
export interface ImportedTrigger {
  metadata?: Record<string, unknown>;
  notes: ImportNote[];
}

/** A built-in Azure role, by name and id (the id is what a role assignment takes). */
export interface Role {
  name: string;
  id: string;
}

/**
 * The Azure roles a trigger type needs, and on what. The deployment (infra/main.bicep) reads them
 * from infra/trigger-types.json, which `npm run infra:trigger-types` writes from the registry.
 */
export interface Grants {
  /**
   * The kind of resource the roles are granted on. infra/main.bicep grants each kind with a
   * module of its own (storage-queue: infra/app/queue-access.bicep, at queue scope); a new kind
   * needs a new module there.
   */
  scope: string;
  /**
   * The key of a trigger's metadata, as its type parses it, that names the resource (the
   * deployment reads SCALER_TARGETS with the app's loader): a key the user gives (queueName), or
   * one the type derives (entityPath).
   */
  resourceField: string;
  /** The metadata key that names the account (or namespace) the resource is in. */
  accountField: string;
  /** The scaler identity's role on each resource a trigger reads. */
  read: Role;
  /** The host identity's role on each wake.forwardTo resource (forward mode); absent when the type has no forward mode. */
  send?: Role;
}

/** One trigger type. `M` is its metadata as parsed (KEDA's names, our defaults resolved). */
export interface TriggerDefinition<M> {
  /** The metadata schema, declared as KEDA declares it: its names, defaults and rules. */
  metadata: z.ZodType<M, unknown>;
  /** A name of what it reads (a queue): wake.forwardTo names one, next to the first trigger's (a type without forward mode refuses all). */
  resourceName: z.ZodType<string, unknown>;
  /**
   * What the engine compares the reading with: the value per replica, and the activation value;
   * with `age`, also the oldest message's age (the source then reads { value, age }).
   */
  thresholds(metadata: M): TriggerThresholds;
  /** Metadata keys only allowed with SCALER_LOCAL_DEVELOPMENT (the configuration refuses them otherwise). */
  localOnly: readonly string[];
  /**
   * Checks of the metadata against the app settings, at load (e.g. that the setting
   * connectionFromEnv names holds a connection string). Paths are relative to the metadata. Not
   * run for a trigger already refused for a local-only key.
   */
  checkSettings(metadata: M, settings: Settings): CheckIssue[];
  /** The reader of one trigger. */
  createSource(metadata: M, deps: SourceDeps): Source;
  /**
   * A sender to queues in the place this trigger reads from (forward mode: wake.forwardTo).
   * Absent: the type has no forward mode, and its resourceName refuses every wake.forwardTo.
   */
  createSender?(metadata: M, deps: SenderDeps): Sender;
  /** What the trigger reads, and where, as far as the settings tell (the queue graph). */
  queuesOf(metadata: M, settings: Settings): QueueRef[];
  /** The App Insights metric its reading is sent as (docs/queries.kql asks for it). */
  metricName: string;
  /** `import`: a KEDA trigger of this type (as the API server returns it) -> its SCALER_TARGETS metadata. */
  importTrigger(trigger: Record<string, unknown>): ImportedTrigger;
  /**
   * KEDA's authenticationRef on a trigger of this type. A TriggerAuthentication lives in the
   * cluster, so the scaler cannot follow it: the note says what reads the trigger instead
   * (`replaced`), or what the trigger lacks for that (`trigger-kept-out`, path ''). One text for
   * both readers of a ScaledObject: the configuration drops authenticationRef with a `replaced`
   * note as its warning (and refuses the trigger otherwise), `import` reports it as its note.
   */
  authenticationRef(trigger: Record<string, unknown>): ImportNote;
  grants: Grants;
}
