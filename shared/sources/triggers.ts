// What the rest of the scaler asks of a trigger, whatever its type: each answer comes from the
// type's definition in the registry.
import type { z } from 'zod';
import { ScalerError } from '../errors/index.js';
import type { Settings } from '../schema/index.js';
import { registry } from './registry.js';
import type { Sender, SenderDeps, Source, SourceDeps } from './source.js';
import type { Grants, QueueRef, TriggerDefinition } from './trigger-type.js';

type Registry = typeof registry;
export type TriggerTypeName = keyof Registry;

/** The trigger types, as KEDA names them, in the registry's order. */
export const triggerTypeNames = Object.keys(registry) as TriggerTypeName[];

export const isTriggerType = (type: unknown): type is TriggerTypeName => typeof type === 'string' && Object.hasOwn(registry, type);

/** A trigger of a known type with its metadata parsed: what a validated target's triggers carry. */
export type TypedTrigger = { [K in TriggerTypeName]: { type: K; metadata: z.output<Registry[K]['metadata']> } }[TriggerTypeName];

/** A type's definition with its metadata's type erased, for code that treats every type alike. */
export const definitionOf = (type: TriggerTypeName): TriggerDefinition<unknown> => registry[type];

export const createSource = (trigger: TypedTrigger, deps: SourceDeps): Source => definitionOf(trigger.type).createSource(trigger.metadata, deps);

/**
 * Forward mode: a sender to queues in the place `trigger` reads from (a target's first trigger).
 * A type without forward mode refuses wake.forwardTo at load, so this throws only past that check.
 */
export function createSender(trigger: TypedTrigger, deps: SenderDeps): Sender {
  const create = definitionOf(trigger.type).createSender;
  if (!create) throw new ScalerError(`forward mode is not offered for ${trigger.type} triggers`);
  return create(trigger.metadata, deps);
}

/** What `trigger` reads and where, as far as `settings` tell (the queue graph). */
export const queuesOf = (trigger: TypedTrigger, settings: Settings): QueueRef[] => definitionOf(trigger.type).queuesOf(trigger.metadata, settings);

/** The App Insights metric a reading of a trigger of `type` is sent as. */
export const metricNameOf = (type: TriggerTypeName): string => registry[type].metricName;

/** infra/trigger-types.json: per type, the roles it needs and the metadata keys that name what they are granted on. */
export const triggerGrants = (): Record<string, Grants> => Object.fromEntries(triggerTypeNames.map((type) => [type, registry[type].grants]));
