import tls from 'node:tls';

/**
 * Makes every TLS client in this process trust `caPem` on top of the usual roots: node:https
 * (which the Azure SDK pipelines and the applicationinsights exporter use), fetch and undici.
 * tls.setDefaultCACertificates (Node >= 22.19) changes the defaults of connections made from
 * now on, so unlike NODE_EXTRA_CA_CERTS it works after start-up, in a vitest worker or a script.
 * Clients that pass their own `ca` (client-node with a kubeconfig's CA data) are unaffected.
 * A child process (the CLI, a Functions host) gets NODE_EXTRA_CA_CERTS=<ca.certFile> instead.
 * Checked by test/integration/harness/trust-ca.test.ts.
 */
export function trustCa(caPem: string): void {
  const current = tls.getCACertificates('default');
  if (!current.includes(caPem)) tls.setDefaultCACertificates([...current, caPem]);
}
