import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The serializable part of a test CA: what a vitest worker receives from the global setup. */
export interface TestCaPem {
  certPem: string;
  keyPem: string;
}

export interface IssuedCert {
  certPem: string;
  keyPem: string;
  /** Files, for programs that take paths (kube-apiserver, Azurite). */
  certFile: string;
  keyFile: string;
}

export interface SubjectAltNames {
  ips?: readonly string[];
  dns?: readonly string[];
}

export interface TestCa extends TestCaPem {
  /** The CA certificate as a file, e.g. for NODE_EXTRA_CA_CERTS of a child process. */
  certFile: string;
  /** A serving certificate signed by this CA; by default for 127.0.0.1 and localhost. */
  issue(commonName: string, names?: SubjectAltNames): Promise<IssuedCert>;
}

const LOOPBACK: SubjectAltNames = { ips: ['127.0.0.1'], dns: ['localhost'] };
const DAYS = '2';
// EC keys: generated in milliseconds, and accepted by Go (kube-apiserver) and Node servers.
const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * A throw-away certificate authority for one test run, made with the openssl CLI (Node's crypto
 * cannot sign certificates). Every TLS service of the run gets its serving certificate from it,
 * so clients trust one extra root (see trust-ca.ts).
 */
export async function createTestCa(dir: string): Promise<TestCa> {
  const certFile = join(dir, 'ca.crt');
  const keyFile = join(dir, 'ca.key');
  await openssl(['req', '-x509', ...NEW_KEY, '-days', DAYS, '-subj', '/CN=aks-queue-scaler test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout', keyFile, '-out', certFile]);
  return loadTestCa({ certPem: await readFile(certFile, 'utf8'), keyPem: await readFile(keyFile, 'utf8') }, dir);
}

/** The CA made by createTestCa in another process, with its files written into `dir`. */
export async function loadTestCa(pem: TestCaPem, dir: string): Promise<TestCa> {
  const certFile = join(dir, 'ca.crt');
  const keyFile = join(dir, 'ca.key');
  await writeFile(certFile, pem.certPem);
  await writeFile(keyFile, pem.keyPem, { mode: 0o600 });
  return {
    ...pem,
    certFile,
    async issue(commonName, names = LOOPBACK) {
      const base = join(dir, `${commonName.replace(/[^\w.-]/g, '_')}-${randomBytes(4).toString('hex')}`);
      const san = [...(names.ips ?? []).map((ip) => `IP:${ip}`), ...(names.dns ?? []).map((dns) => `DNS:${dns}`)];
      await writeFile(`${base}.ext`, [
        `subjectAltName=${san.join(',')}`,
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth',
      ].join('\n'));
      await openssl(['req', '-new', ...NEW_KEY, '-subj', `/CN=${commonName}`, '-keyout', `${base}.key`, '-out', `${base}.csr`]);
      // A random serial instead of -CAcreateserial: no shared serial file for concurrent issuers.
      await openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', certFile, '-CAkey', keyFile,
        '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', DAYS, '-extfile', `${base}.ext`, '-out', `${base}.crt`]);
      return {
        certPem: await readFile(`${base}.crt`, 'utf8'),
        keyPem: await readFile(`${base}.key`, 'utf8'),
        certFile: `${base}.crt`,
        keyFile: `${base}.key`,
      };
    },
  };
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr ?? String(error);
    throw new Error(`openssl ${args[0]} failed (the test CA needs the openssl CLI): ${detail.trim()}`, { cause: error });
  }
}
