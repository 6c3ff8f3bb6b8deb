// Reads KEDA ScaledObjects from a cluster through a kubeconfig (the user's own credentials, as
// kubectl would use them). Only `list` on scaledobjects.keda.sh is needed.
import { ApiException, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { ScalerError } from '../../shared/errors/index.js';

export const SCALED_OBJECTS = { group: 'keda.sh', version: 'v1alpha1', plural: 'scaledobjects' } as const;
const PAGE = 500;

/** The kubeconfig could not be used, or the cluster refused or failed the list. */
export class ImportSourceError extends ScalerError {}

export interface KubeconfigChoice {
  /** Path of the kubeconfig; unset: $KUBECONFIG or ~/.kube/config, as kubectl. */
  kubeconfig?: string | undefined;
  /** A context of that kubeconfig; unset: its current-context. */
  context?: string | undefined;
}

/** Loads the kubeconfig and selects the context, or says what is wrong with them. */
export function loadKubeConfig(choice: KubeconfigChoice): KubeConfig {
  const kc = new KubeConfig();
  const where = choice.kubeconfig ?? 'the default kubeconfig ($KUBECONFIG or ~/.kube/config)';
  try {
    if (choice.kubeconfig) kc.loadFromFile(choice.kubeconfig);
    else kc.loadFromDefault();
  } catch (e) {
    throw new ImportSourceError(`cannot read ${where}: ${(e as Error).message}`, { cause: e });
  }
  const contexts = kc.getContexts().map((c) => c.name);
  if (choice.context !== undefined) {
    if (!contexts.includes(choice.context)) {
      throw new ImportSourceError(`context ${JSON.stringify(choice.context)} is not in ${where} (contexts: ${contexts.join(', ') || 'none'})`);
    }
    kc.setCurrentContext(choice.context);
  } else if (!kc.getCurrentContext() || !contexts.includes(kc.getCurrentContext())) {
    throw new ImportSourceError(`${where} has no current context: pass --context (contexts: ${contexts.join(', ') || 'none'})`);
  }
  if (!kc.getCurrentCluster()) throw new ImportSourceError(`context ${JSON.stringify(kc.getCurrentContext())} of ${where} names no cluster`);
  return kc;
}

function statusMessage(body: unknown): string {
  try {
    return (JSON.parse(String(body)) as { message?: string }).message ?? '';
  } catch {
    return String(body ?? '').slice(0, 200);
  }
}

/** Turns a failed list into a message that says what, where and what to do. */
function explainFailure(kc: KubeConfig, namespace: string | undefined, e: unknown): ImportSourceError {
  const where = `${namespace ? `namespace ${namespace}` : 'all namespaces'} of ${kc.getCurrentCluster()?.server ?? 'the cluster'} (context ${kc.getCurrentContext()})`;
  const what = `cannot list ScaledObjects (scaledobjects.keda.sh/v1alpha1) in ${where}`;
  if (e instanceof ApiException) {
    if (e.code === 404) return new ImportSourceError(`${what}: the API server does not serve them; is KEDA installed?`, { cause: e });
    if (e.code === 403) return new ImportSourceError(`${what}: forbidden; the kubeconfig user needs list on scaledobjects.keda.sh: ${statusMessage(e.body)}`, { cause: e });
    if (e.code === 401) return new ImportSourceError(`${what}: unauthorized; the cluster did not accept the kubeconfig's credentials`, { cause: e });
    return new ImportSourceError(`${what}: HTTP ${e.code}: ${statusMessage(e.body)}`, { cause: e });
  }
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return new ImportSourceError(`${what}: cannot reach the cluster: ${cause?.code ?? ''} ${cause?.message ?? (e as Error).message}`.trim(), { cause: e });
}

interface ObjectList {
  items?: unknown[];
  metadata?: { continue?: string };
}

/** Every ScaledObject in `namespace`, or in all namespaces; page by page. */
export async function readScaledObjects(kc: KubeConfig, namespace?: string): Promise<unknown[]> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const items: unknown[] = [];
  let token: string | undefined;
  do {
    let page: ObjectList;
    try {
      const params = { ...SCALED_OBJECTS, limit: PAGE, _continue: token };
      page = (namespace ? await api.listNamespacedCustomObject({ ...params, namespace }) : await api.listClusterCustomObject(params)) as ObjectList;
    } catch (e) {
      throw explainFailure(kc, namespace, e);
    }
    items.push(...(page.items ?? []));
    token = page.metadata?.continue || undefined;
  } while (token);
  return items;
}
