// The production path end to end: every credential is the scaler's managed identity (local
// identity endpoint), the cluster is found through ARM, queues and state are read with bearer
// tokens (Azurite in oauth mode over HTTPS), and decisions reach App Insights ingestion.
import { QueueClient, StorageSharedKeyCredential } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { replay, createEvaluationLoop, createRuntime } from '../../shared/runtime/index.js';
import { startArmEndpoint, type ArmEndpoint } from '../support/arm-endpoint.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite, type Azurite } from '../../local/azurite.js';
import { AKS_SERVER_APP_ID, ARM_RESOURCE, STORAGE_RESOURCE, startIdentityEndpoint, useIdentityEndpoint, type IdentityEndpoint } from '../../local/identity-endpoint.js';
import { adminKubeConfig } from '../../local/kube-clients.js';
import { createWorkloads, grantScaleRole } from '../../local/kube-workloads.js';
import { isEvent, startTelemetrySink, type TelemetrySink } from '../../local/telemetry-sink.js';
import { SCALER_CLIENT_ID, testIdentities } from '../../local/test-identities.js';
import { controlPlaneEnabled, sharedControlPlane, sharedTestCa } from '../support/vitest/provided.js';
import { replicasOf } from './scaler.js';

const SUBSCRIPTION = '00000000-0000-4000-8000-0000000000e2';

describe.runIf(controlPlaneEnabled)('managed identity, ARM discovery and App Insights end to end', () => {
  let identity: IdentityEndpoint;
  let azurite: Azurite;
  let arm: ArmEndpoint;
  let sink: TelemetrySink;

  beforeAll(async () => {
    const controlPlane = sharedControlPlane();
    const ca = await sharedTestCa();
    identity = await startIdentityEndpoint({ identities: testIdentities(controlPlane) });
    useIdentityEndpoint(identity, SCALER_CLIENT_ID);
    process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED = 'true';
    azurite = await startAzurite({ oauthCa: ca });
    arm = await startArmEndpoint({
      ca,
      clusters: [{ subscriptionId: SUBSCRIPTION, resourceGroup: 'rg', name: 'aks1', server: controlPlane.server, caPem: controlPlane.caPem, entraId: true }],
      acceptsToken: (t) => identity.issuedFor(t)?.resource === ARM_RESOURCE,
    });
    sink = await startTelemetrySink(ca);
  });
  afterAll(async () => {
    await sink?.stop();
    await arm?.stop();
    await azurite?.stop();
    await identity?.stop();
  });

  test('one tick scales through ARM-discovered AKS with identity-based queue and state, and the decision replays from App Insights', async () => {
    const controlPlane = sharedControlPlane();
    const admin = adminKubeConfig(controlPlane);
    const w = await createWorkloads(admin, { replicas: 0 });
    await grantScaleRole(admin, w.namespace);
    // The producer side uses the account key; the scaler only ever uses its identity.
    const queue = new QueueClient(`${azurite.queueEndpoint}/orders`, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY));
    await queue.createIfNotExists();
    await Promise.all(Array.from({ length: 12 }, () => queue.sendMessage('work')));

    const runtime = createRuntime({
      SCALER_LOCAL_DEVELOPMENT: 'true',
      AZURE_CLIENT_ID: SCALER_CLIENT_ID,
      AzureWebJobsStorage__tableServiceUri: azurite.tableEndpoint,
      AzureWebJobsStorage__clientId: SCALER_CLIENT_ID,
      APPLICATIONINSIGHTS_CONNECTION_STRING: sink.connectionString,
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `ClientId=${SCALER_CLIENT_ID};Authorization=AAD`,
      SCALER_CLUSTERS: JSON.stringify({
        aks1: { resourceId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1`, armEndpoint: arm.url },
      }),
      SCALER_TARGETS: JSON.stringify([{
        namespace: w.namespace,
        scaleTargetRef: { name: w.deployment },
        // As pasted from a production ScaledObject: a TriggerAuthentication the scaler cannot follow.
        triggers: [{ type: 'azure-queue', metadata: { queueName: 'orders', accountName: AZURITE_ACCOUNT, queueServiceUri: azurite.queueEndpoint, queueLength: '5' }, authenticationRef: { name: 'orders-queue-auth' } }],
      }]),
    });
    expect(runtime.config.errors).toEqual([]);
    // Dropped, with a warning: an App Insights trace at severity Warning, once, at load.
    expect(runtime.config.warnings.map((w) => w.path)).toEqual(['triggers[0].authenticationRef']);
    const trace = await sink.waitForEnvelope((e) => e.data?.baseType === 'MessageData');
    expect(trace.data!.baseData).toMatchObject({ severityLevel: 'Warning', message: runtime.config.warnings[0]!.message, properties: { operation: 'load', where: `target ${w.namespace}/${w.deployment}`, path: 'triggers[0].authenticationRef' } });
    const result = await createEvaluationLoop(runtime).tick();

    expect(result?.evaluated.map((e) => e.error)).toEqual([undefined]);
    expect(await replicasOf(admin, w.namespace, w.deployment)).toBe(3); // ceil(12 / 5)
    const asked = new Set(identity.requests.filter((r) => r.status === 200).map((r) => `${r.resource} ${r.clientId}`));
    expect(asked).toEqual(new Set([AKS_SERVER_APP_ID, ARM_RESOURCE, STORAGE_RESOURCE, 'https://monitor.azure.com'].map((r) => `${r} ${SCALER_CLIENT_ID}`)));

    const event = await sink.waitForEnvelope(isEvent('ScaleDecision'));
    const dimensions = event.data!.baseData!.properties as Record<string, string>;
    expect(dimensions).toMatchObject({ target: `aks1/${w.namespace}/${w.deployment}`, action: 'activate', finalReplicas: '3', triggerValues: '[12]' });
    const again = replay({ name: 'ScaleDecision', customDimensions: dimensions }); // as exported from App Insights
    expect({ replicas: again.replicas, action: again.action }).toEqual({ replicas: 3, action: 'activate' });
  });
});
