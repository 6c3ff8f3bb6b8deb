import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { request } from 'node:https';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { startService, type ServiceProcess } from './service-process.js';
import type { TestCa } from './test-ca.js';

export const ADMIN_USER = 'admin';
/** The scaler's Kubernetes user; its Role comes from grantScaleRole (kube-workloads.ts). */
export const AUTOSCALER_USER = 'autoscaler';
/** A second identity's user, authenticated but with no Role anywhere. */
export const BYSTANDER_USER = 'bystander';

export interface KubeUser {
  groups: string[];
  /** Bearer tokens of the token file; several per user so that token refresh is observable. */
  tokens: string[];
}

/** Everything a client needs, serializable so the vitest global setup can provide() it. */
export interface ControlPlaneInfo {
  /** e.g. https://127.0.0.1:41234 */
  server: string;
  /** The CA that signed the serving certificate (the run's test CA). */
  caPem: string;
  users: Record<string, KubeUser>;
}

export interface ControlPlane extends ControlPlaneInfo {
  /** Milliseconds from starting etcd to kube-apiserver's /readyz answering 200. */
  startupMs: number;
  /** etcd's and kube-apiserver's, for diagnosis. */
  pids: number[];
  /** Holds etcd's data, the token file and keys; removed by stop(). */
  dir: string;
  /** Stops kube-apiserver and etcd and removes their folder. */
  stop(): Promise<void>;
}

export interface ControlPlaneOptions {
  /** Folder holding kube-apiserver and etcd (findControlPlaneBinaries()). */
  binDir: string;
  ca: TestCa;
  /** Users of the token file; default: admin (system:masters), autoscaler (4 tokens), bystander (2). */
  users?: Record<string, { groups?: string[]; tokenCount: number }>;
}

const DEFAULT_USERS = {
  [ADMIN_USER]: { groups: ['system:masters'], tokenCount: 1 },
  [AUTOSCALER_USER]: { tokenCount: 4 },
  [BYSTANDER_USER]: { tokenCount: 2 },
};
const START_TIMEOUT_MS = 90_000;

/** The first token of `user`. */
export function kubeToken(info: ControlPlaneInfo, user: string): string {
  const token = info.users[user]?.tokens[0];
  if (token === undefined) throw new Error(`control plane has no user ${user}`);
  return token;
}

/**
 * A real kube-apiserver and etcd on loopback, flags as envtest's defaults with
 * these differences: users authenticate with a static token file (so a managed identity
 * endpoint can hand out their tokens), the serving certificate comes from the run's test CA,
 * and --advertise-address is set because an offline machine has no default route to derive it
 * from. There is no controller-manager: status.replicas stays 0 and namespaces never finish
 * deleting, so tests use fresh namespaces.
 */
export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'aqs-control-plane-'));
  const services: ServiceProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const service of [...services].reverse()) await service.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const users = makeUsers(options.users ?? DEFAULT_USERS);
    const etcdUrl = `http://127.0.0.1:${await freePort()}`;
    const etcd = startService({
      name: 'etcd',
      command: join(options.binDir, 'etcd'),
      args: ['--data-dir', join(dir, 'etcd'), '--listen-client-urls', etcdUrl, '--advertise-client-urls', etcdUrl,
        '--listen-peer-urls', 'http://127.0.0.1:0', '--unsafe-no-fsync', '--log-level', 'warn'],
    });
    services.push(etcd);
    await etcd.waitUntilReady(async () => (await fetch(`${etcdUrl}/health`)).ok, START_TIMEOUT_MS);

    const port = await freePort();
    const server = `https://127.0.0.1:${port}`;
    const serving = await options.ca.issue('kube-apiserver', { ips: ['127.0.0.1'], dns: ['localhost', 'kubernetes.default.svc'] });
    const saKey = join(dir, 'service-account.key');
    await writeFile(saKey, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }));
    const tokenFile = join(dir, 'tokens.csv');
    await writeFile(tokenFile, tokenFileLines(users), { mode: 0o600 });
    const apiserver = startService({
      name: 'kube-apiserver',
      command: join(options.binDir, 'kube-apiserver'),
      args: [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${port}`,
        `--tls-cert-file=${serving.certFile}`, `--tls-private-key-file=${serving.keyFile}`, `--cert-dir=${join(dir, 'certs')}`,
        `--token-auth-file=${tokenFile}`, '--authorization-mode=RBAC',
        `--service-account-issuer=${server}/`, `--service-account-key-file=${saKey}`, `--service-account-signing-key-file=${saKey}`,
        '--service-cluster-ip-range=10.0.0.0/24', '--allow-privileged=true',
        // No service-account controller runs, so pods would wait for tokens forever.
        '--disable-admission-plugins=ServiceAccount',
      ],
    });
    services.push(apiserver);
    // Anonymous: /readyz answers 200 only once RBAC's bootstrap roles, which allow that, exist.
    await apiserver.waitUntilReady(async () => (await getStatus(`${server}/readyz`, options.ca.certPem)) === 200, START_TIMEOUT_MS);
    return { server, caPem: options.ca.certPem, users, startupMs: Date.now() - started, pids: services.map((s) => s.pid), dir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function makeUsers(spec: Record<string, { groups?: string[]; tokenCount: number }>): Record<string, KubeUser> {
  return Object.fromEntries(Object.entries(spec).map(([name, { groups = [], tokenCount }]) => [name, {
    groups,
    tokens: Array.from({ length: tokenCount }, (_, i) => `${name}-${i + 1}-${randomBytes(12).toString('hex')}`),
  }]));
}

/** --token-auth-file lines: token,user,uid[,"group1,group2"]. */
function tokenFileLines(users: Record<string, KubeUser>): string {
  return Object.entries(users).flatMap(([name, { groups, tokens }]) =>
    tokens.map((token) => [token, name, `uid-${name}`, ...(groups.length > 0 ? [`"${groups.join(',')}"`] : [])].join(',')),
  ).join('\n') + '\n';
}

function getStatus(url: string, caPem: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { ca: caPem }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on('error', reject).end();
  });
}
