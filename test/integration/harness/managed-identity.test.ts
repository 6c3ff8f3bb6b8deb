import { DefaultAzureCredential, ManagedIdentityCredential, type AccessToken, type TokenCredential } from '@azure/identity';
import { QueueServiceClient } from '@azure/storage-queue';
import { AppsV1Api, AuthenticationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, test } from 'vitest';
import { startAzurite, type Azurite } from '../../../local/azurite.js';
import {
  AKS_SERVER_APP_ID, STORAGE_RESOURCE, startIdentityEndpoint, useIdentityEndpoint, type IdentityEndpoint,
} from '../../../local/identity-endpoint.js';
import { AUTOSCALER_USER } from '../../../local/control-plane.js';
import { unsignedJwt } from '../../../local/jwt.js';
import { adminKubeConfig, kubeConfigWithToken } from '../../../local/kube-clients.js';
import { createWorkloads, grantScaleRole, SCALE_ROLE_RULES } from '../../../local/kube-workloads.js';
import { BYSTANDER_CLIENT_ID, SCALER_CLIENT_ID, testIdentities } from '../../../local/test-identities.js';
import { controlPlaneEnabled, sharedControlPlane, sharedTestCa } from '../../support/vitest/provided.js';

const AKS_SCOPE = `${AKS_SERVER_APP_ID}/.default`;
// Under MSAL's 5-minute refresh margin: every getToken goes to the endpoint.
const SHORT_LIFETIME_S = 120;

let identity: IdentityEndpoint;
beforeAll(async () => {
  identity = await startIdentityEndpoint({ identities: testIdentities(inject('controlPlane')) });
  // Before any credential exists: MSAL binds its source to the endpoint once per process.
  useIdentityEndpoint(identity, SCALER_CLIENT_ID);
});
afterAll(() => identity?.stop());
beforeEach(() => {
  identity.reset();
  identity.behaviour.tokenLifetimeSeconds = SHORT_LIFETIME_S;
});

describe.runIf(controlPlaneEnabled)('managed identity tokens for the AKS audience', () => {
  const whoAmI = async (token: string): Promise<string | undefined> => {
    const review = await kubeConfigWithToken(sharedControlPlane(), token).makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    return review.status?.userInfo?.username;
  };

  test('ManagedIdentityCredential follows the App Service protocol and gets the autoscaler user', async () => {
    const token = await new ManagedIdentityCredential({ clientId: SCALER_CLIENT_ID }).getToken(AKS_SCOPE);

    expect(identity.requests.at(-1)).toMatchObject({
      resource: AKS_SERVER_APP_ID, clientId: SCALER_CLIENT_ID, apiVersion: '2019-08-01', authorized: true, status: 200,
    });
    expect(await whoAmI(token.token)).toBe('autoscaler');
  });

  test('a refreshed token is another of the user\'s tokens, and it scales', async () => {
    const controlPlane = sharedControlPlane();
    const admin = adminKubeConfig(controlPlane);
    const { namespace, deployment } = await createWorkloads(admin, { replicas: 1 });
    await grantScaleRole(admin, namespace, AUTOSCALER_USER, SCALE_ROLE_RULES);
    const credential = new DefaultAzureCredential();

    const first = await credential.getToken(AKS_SCOPE);
    const second = await credential.getToken(AKS_SCOPE);

    expect(second.token).not.toBe(first.token);
    for (const { token } of [first, second]) {
      const apps = kubeConfigWithToken(controlPlane, token).makeApiClient(AppsV1Api);
      expect((await apps.readNamespacedDeploymentScale({ name: deployment, namespace })).spec?.replicas).toBe(1);
    }
  });

  test('a second identity maps to a different user', async () => {
    const token = await new ManagedIdentityCredential({ clientId: BYSTANDER_CLIENT_ID }).getToken(AKS_SCOPE);

    expect(await whoAmI(token.token)).toBe('bystander');
  });
});

describe('managed identity faults', () => {
  test('a failing endpoint makes getToken fail with its status and message', async () => {
    identity.behaviour.failure = { status: 400, body: { error: 'invalid_request', error_description: 'identity is being deleted' } };

    await expect(new ManagedIdentityCredential({ clientId: SCALER_CLIENT_ID }).getToken('https://vault.azure.net/.default'))
      .rejects.toThrow(/identity is being deleted/);
  });

  test('a slow endpoint delays getToken', async () => {
    identity.behaviour.delayMs = 400;
    const started = Date.now();

    await new ManagedIdentityCredential({ clientId: SCALER_CLIENT_ID }).getToken('https://vault.azure.net/.default');

    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });

  test('an unknown client id is refused', async () => {
    await expect(new ManagedIdentityCredential({ clientId: '00000000-0000-0000-0000-0000000000ff' }).getToken(AKS_SCOPE)).rejects.toThrow();

    expect(identity.requests.at(-1)?.status).toBe(400);
  });
});

describe('Azurite in oauth mode (HTTPS, bearer tokens)', () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startAzurite({ oauthCa: await sharedTestCa() });
  });
  afterAll(() => azurite?.stop());

  test('accepts the storage token of ManagedIdentityCredential', async () => {
    const service = new QueueServiceClient(azurite.queueEndpoint, new ManagedIdentityCredential({ clientId: SCALER_CLIENT_ID }));
    const queue = service.getQueueClient('oauth-queue');
    await queue.create();
    await queue.sendMessage('hello');

    expect((await queue.getProperties()).approximateMessagesCount).toBe(1);
    expect(identity.requests.some((r) => r.resource === STORAGE_RESOURCE && r.status === 200)).toBe(true);
  });

  test('rejects a token for another audience', async () => {
    const wrongAudience: TokenCredential = {
      getToken: async (): Promise<AccessToken> => {
        const now = Math.floor(Date.now() / 1000);
        const token = unsignedJwt({ aud: 'https://vault.azure.net', iss: `https://sts.windows.net/${identity.tenantId}/`, iat: now, nbf: now, exp: now + 600 });
        return { token, expiresOnTimestamp: (now + 600) * 1000 };
      },
    };
    const queue = new QueueServiceClient(azurite.queueEndpoint, wrongAudience).getQueueClient('oauth-queue-2');

    // Azurite answers an unacceptable token like a wrong signature: 403 AuthenticationFailed.
    await expect(queue.create()).rejects.toMatchObject({ statusCode: 403, code: 'AuthenticationFailed' });
  });
});
