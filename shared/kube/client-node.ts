// The Kubernetes port over @kubernetes/client-node. Cluster access (ARM discovery, CA, token)
// is resolved once per process and cluster, and again after a TLS or 401 failure (the CA may
// have rotated, the server moved). The bearer token comes from @azure/identity on every
// request, so it is refreshed as it expires.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ApiException, AppsV1Api, CoreV1Api, KubeConfig, Observable, type ConfigurationOptions, type RequestContext, type User, type V1ManagedFieldsEntry, type V1ObjectMeta } from '@kubernetes/client-node';
import type { Cluster } from '../config/index.js';
import { deadline, KubeError, messageOf, type Deadline } from '../errors/index.js';
import type { CredentialFactory } from '../identity/index.js';
import type { ClusterEndpoint } from './aks-discovery.js';
import { sharedToken } from './bearer-token.js';
import { checkScale, describeRef, FIELD_MANAGER, type Kube, type ReplicasWriter, type ScaleReading, type WorkloadRef } from './kube.js';

/** The AKS Microsoft Entra server application, the same in every cloud. */
export const AKS_SCOPE = '6dae42f8-4368-4678-94ff-3960e28e3630/.default';
const AUTH_PROVIDER = 'aks-queue-scaler-identity';

/** Raised on a 409: the scale changed since it was read. */
export class ScaleConflictError extends KubeError {}

const TLS_CODES = /^(CERT_|ERR_TLS_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_SSL_)/;

/** Errors after which the cluster's server and CA are looked up again. */
function needsRediscovery(e: unknown): boolean {
  if (e instanceof ApiException) return e.code === 401;
  const code = ((e as { cause?: { code?: string } }).cause?.code ?? (e as { code?: string }).code) || '';
  return TLS_CODES.test(code);
}

/** How a missing kubeconfig context is made, for local development. */
function createContextHint(context: string): string {
  const kind = /^kind-(.+)$/.exec(context);
  const make = kind ? `\`kind create cluster --name ${kind[1]}\` makes it` : context === 'minikube' ? '`minikube start` makes it' : 'for an AKS cluster `az aks get-credentials --resource-group <group> --name <cluster>` adds one named after the cluster';
  return `${make}, or name an existing one (\`kubectl config get-contexts\`) in SCALER_CLUSTERS`;
}

function kubeConfigFor(cluster: Cluster, endpoint: ClusterEndpoint | undefined, credentialFor: CredentialFactory): KubeConfig {
  const kc = new KubeConfig();
  if (cluster.kind === 'kubeconfig') {
    const files = cluster.kubeconfig ?? process.env.KUBECONFIG ?? join(homedir(), '.kube', 'config');
    if (!files.split(delimiter).some((file) => existsSync(file))) throw new KubeError(`cluster ${cluster.name}: there is no kubeconfig at ${files}, so no context "${cluster.context}"; ${createContextHint(cluster.context)}`);
    if (cluster.kubeconfig) kc.loadFromFile(cluster.kubeconfig);
    else kc.loadFromDefault();
    // client-node would otherwise fail every call with "No active cluster!".
    if (!kc.getContextObject(cluster.context)) {
      const contexts = kc.getContexts().map((c) => c.name);
      throw new KubeError(`cluster ${cluster.name}: the kubeconfig (${files}) has no context "${cluster.context}" (${contexts.length > 0 ? `its contexts: ${contexts.join(', ')}` : 'it has none'}); ${createContextHint(cluster.context)}`);
    }
    kc.setCurrentContext(cluster.context);
    return kc;
  }
  const tokenOf = sharedToken(credentialFor(cluster.identityClientId), AKS_SCOPE);
  kc.addAuthenticator({
    isAuthProvider: (user: User) => user?.authProvider?.name === AUTH_PROVIDER,
    applyAuthentication: async (_user, opts) => {
      const token = await tokenOf().catch((e: unknown) => {
        throw new KubeError(`cluster ${cluster.name}: no token for the AKS scope from the managed identity: ${messageOf(e)}`, undefined, { cause: e });
      });
      if (!token) throw new KubeError(`cluster ${cluster.name}: no token for the AKS scope from the managed identity`);
      opts.headers = { ...opts.headers, Authorization: `Bearer ${token.token}` };
    },
  });
  kc.loadFromOptions({
    clusters: [{ name: cluster.name, server: endpoint!.server, caData: endpoint!.certificateAuthorityData, skipTLSVerify: false }],
    users: [{ name: 'scaler', authProvider: { name: AUTH_PROVIDER, config: {} } }],
    contexts: [{ name: cluster.name, cluster: cluster.name, user: 'scaler' }],
    currentContext: cluster.name,
  });
  return kc;
}

async function endpointOf(cluster: Cluster, credentialFor: CredentialFactory, timeoutMs: number): Promise<ClusterEndpoint | undefined> {
  // ARM's client is loaded only for a cluster found through ARM: one given by server and CA needs none.
  if (cluster.kind === 'aks') return (await import('./aks-discovery.js')).discoverAksCluster(cluster, credentialFor(cluster.identityClientId), timeoutMs);
  if (cluster.kind === 'server') return { server: cluster.server, certificateAuthorityData: cluster.certificateAuthorityData };
  return undefined;
}

/** The `message` of a Kubernetes Status body, or the start of whatever else came back. */
function statusMessage(body: unknown): string {
  try {
    return (JSON.parse(String(body)) as { message?: string }).message ?? '';
  } catch {
    return String(body ?? '').slice(0, 200);
  }
}

const EVENT_VERB = 'record an event on';

/** Turns client-node failures into messages that say what, where and what to do. */
function explainFailure(ref: WorkloadRef, verb: string, e: unknown): KubeError {
  if (e instanceof KubeError) return e;
  const what = `${verb} ${describeRef(ref)}`;
  if (e instanceof ApiException) {
    const status = e.code;
    const detail = statusMessage(e.body);
    if (status === 409) return new ScaleConflictError(`${what}: conflict, the scale changed since it was read`, status, { cause: e });
    if (status === 404) return new KubeError(`${what}: not found`, status, { cause: e });
    if (status === 403) {
      const needs = verb === EVENT_VERB
        ? `create on events in namespace ${ref.namespace}, the optional Role of infra/kubernetes/rbac-events.yaml`
        : `get on ${ref.kind.toLowerCase()}s and update on their scale subresource in namespace ${ref.namespace} (infra/kubernetes/rbac.yaml)`;
      return new KubeError(`${what}: forbidden; the scaler identity needs ${needs}: ${detail}`, status, { cause: e });
    }
    if (status === 401) return new KubeError(`${what}: unauthorized; the cluster did not accept the scaler identity's token`, status, { cause: e });
    if (status === 429) {
      const retryAfter = (e.headers as Record<string, string | undefined> | undefined)?.['retry-after'];
      return new KubeError(`${what}: throttled by the API server (429${retryAfter ? `, Retry-After ${retryAfter.slice(0, 20)} s` : ''}); the target holds until the next evaluation`, status, { cause: e });
    }
    return new KubeError(`${what}: HTTP ${status}: ${detail}`, status, { cause: e });
  }
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return new KubeError(`${what}: cannot reach the cluster: ${cause?.code ?? ''} ${cause?.message ?? (e as Error).message}`.trim(), undefined, { cause: e });
}

/** A call to the Kubernetes API that takes longer than this fails (and the target holds). */
export const KUBE_TIMEOUT_MS = 10_000;

/** Runs one call to a cluster with the options it passes to client-node. */
type Bounded = <T>(call: (options: ConfigurationOptions) => Promise<T>) => Promise<T>;

/**
 * How the calls to one cluster are made. client-node makes a new undici Agent for every request,
 * so every call would open a new TLS connection: this middleware keeps the first request's
 * dispatcher and hands it to the later ones, so a cluster's calls share keep-alive
 * connections. It also bounds every request, since client-node sets no timeout of its own: the
 * deadline starts as the request is sent (the token applied) and is cleared when the call has
 * ended, its answer read.
 */
function boundedCalls(timeoutMs: number): Bounded {
  let shared: ReturnType<RequestContext['getDispatcher']>;
  return async (call) => {
    const limits: Deadline[] = [];
    const options: ConfigurationOptions = {
      middlewareMergeStrategy: 'append',
      middleware: [
        {
          pre: (context) => {
            if (shared === undefined) shared = context.getDispatcher();
            else context.setDispatcher(shared);
            const limit = deadline(timeoutMs);
            limits.push(limit);
            context.setSignal(limit.signal);
            return new Observable(Promise.resolve(context));
          },
          post: (context) => new Observable(Promise.resolve(context)),
        },
      ],
    };
    try {
      return await call(options);
    } finally {
      for (const limit of limits) limit.clear();
    }
  };
}

/**
 * The manager that last set spec.replicas: of the managedFields entries that own it, the latest.
 * (kubectl scale, an HPA and the scaler all write it through /scale, each as its own manager.)
 */
function replicasWriterOf(entries: V1ManagedFieldsEntry[] | undefined): ReplicasWriter | undefined {
  let latest: V1ManagedFieldsEntry | undefined;
  for (const entry of entries ?? []) {
    const fields = entry.fieldsV1 as { 'f:spec'?: { 'f:replicas'?: unknown } } | undefined;
    if (!entry.manager || fields?.['f:spec']?.['f:replicas'] === undefined) continue;
    if (!latest || (entry.time?.getTime() ?? 0) >= (latest.time?.getTime() ?? 0)) latest = entry;
  }
  return latest && { manager: latest.manager!, operation: latest.operation, subresource: latest.subresource, time: latest.time?.toISOString() };
}

/** The scale of a workload as the API server answered it, checked (checkScale). */
function scaleOf(ref: WorkloadRef, workload: { spec?: { replicas?: number }; status?: { replicas?: number; readyReplicas?: number }; metadata?: V1ObjectMeta }): ScaleReading {
  return checkScale(ref, {
    specReplicas: workload.spec?.replicas,
    // status.replicas and status.readyReplicas are left out when they are 0.
    statusReplicas: workload.status?.replicas ?? 0,
    readyReplicas: workload.status?.readyReplicas ?? 0,
    annotations: workload.metadata?.annotations ?? {},
    resourceVersion: workload.metadata?.resourceVersion,
    uid: workload.metadata?.uid,
    replicasWriter: replicasWriterOf(workload.metadata?.managedFields),
  });
}

interface ClusterClient {
  apps: AppsV1Api;
  core: CoreV1Api;
  bounded: Bounded;
}

/** A Kubernetes Event's message is shown on one line by kubectl; longer ones are cut here. */
const EVENT_MESSAGE_MAX = 1024;

export interface KubeOptions {
  /** How long one call to the Kubernetes API (or to ARM, to find an AKS cluster) may take (KUBE_TIMEOUT_MS). */
  timeoutMs?: number;
}

export function createKube(clusters: Map<string, Cluster>, credentialFor: CredentialFactory, options: KubeOptions = {}): Kube {
  const clients = new Map<string, Promise<ClusterClient>>();
  const timeoutMs = options.timeoutMs ?? KUBE_TIMEOUT_MS;

  function client(name: string): Promise<ClusterClient> {
    let found = clients.get(name);
    if (!found) {
      const cluster = clusters.get(name);
      if (!cluster) return Promise.reject(new KubeError(`cluster ${name} is not configured in SCALER_CLUSTERS`));
      found = endpointOf(cluster, credentialFor, timeoutMs).then((endpoint) => {
        const kc = kubeConfigFor(cluster, endpoint, credentialFor);
        return { apps: kc.makeApiClient(AppsV1Api), core: kc.makeApiClient(CoreV1Api), bounded: boundedCalls(timeoutMs) };
      });
      // A failed discovery is not cached: the next evaluation tries again.
      found.catch(() => clients.delete(name));
      clients.set(name, found);
    }
    return found;
  }

  /** Runs a call; after a TLS or 401 failure, rediscovers the cluster and tries once more. */
  async function call<T>(ref: WorkloadRef, verb: string, fn: (client: ClusterClient) => Promise<T>): Promise<T> {
    try {
      return await fn(await client(ref.cluster));
    } catch (e) {
      if (!needsRediscovery(e)) throw explainFailure(ref, verb, e);
      clients.delete(ref.cluster);
      try {
        return await fn(await client(ref.cluster));
      } catch (again) {
        throw explainFailure(ref, verb, again);
      }
    }
  }

  return {
    readScale(ref) {
      return call(ref, 'read', async ({ apps, bounded }): Promise<ScaleReading> => {
        const params = { name: ref.name, namespace: ref.namespace };
        const workload = await bounded((options) => (ref.kind === 'Deployment' ? apps.readNamespacedDeployment(params, options) : apps.readNamespacedStatefulSet(params, options)));
        return scaleOf(ref, workload);
      });
    },
    writeScale(ref, replicas, resourceVersion) {
      return call(ref, 'scale', async ({ apps, bounded }) => {
        const params = {
          name: ref.name,
          namespace: ref.namespace,
          fieldManager: FIELD_MANAGER,
          body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: ref.name, namespace: ref.namespace, resourceVersion }, spec: { replicas } },
        };
        const scale = await bounded((options) => (ref.kind === 'Deployment' ? apps.replaceNamespacedDeploymentScale(params, options) : apps.replaceNamespacedStatefulSetScale(params, options)));
        return scale.metadata?.resourceVersion ?? '';
      });
    },
    recordEvent(ref, uid, event) {
      return call(ref, EVENT_VERB, async ({ core, bounded }) => {
        const at = new Date();
        await bounded((options) => core.createNamespacedEvent({
          namespace: ref.namespace,
          body: {
            metadata: { generateName: `${ref.name}.`, namespace: ref.namespace },
            involvedObject: { apiVersion: 'apps/v1', kind: ref.kind, name: ref.name, namespace: ref.namespace, uid },
            type: event.type,
            reason: event.reason,
            message: event.message.length > EVENT_MESSAGE_MAX ? `${event.message.slice(0, EVENT_MESSAGE_MAX - 1)}…` : event.message,
            source: { component: FIELD_MANAGER },
            reportingComponent: FIELD_MANAGER,
            firstTimestamp: at,
            lastTimestamp: at,
            count: 1,
          },
        }, options));
      });
    },
  };
}
