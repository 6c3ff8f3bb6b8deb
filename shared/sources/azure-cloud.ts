// KEDA's rules for the `cloud` and `endpointSuffix` metadata keys, as every Azure scaler of KEDA
// reads them: a named cloud has its own suffix, `Private` takes endpointSuffix, and an
// endpointSuffix next to any other cloud is an error here (KEDA would silently ignore it).
import { isHostSuffix, show, type CheckIssue } from '../schema/index.js';

/** The issues of `cloud` and `endpointSuffix` in raw metadata; `suffixes` by lower-case cloud name, `example` a Private suffix for the message. */
export function checkCloud(raw: Record<string, unknown>, suffixes: Readonly<Record<string, string>>, example: string): CheckIssue[] {
  const suffixGiven = raw.endpointSuffix !== undefined;
  const ignored: CheckIssue = { path: ['endpointSuffix'], message: 'is only used with cloud: Private (KEDA would silently ignore it)' };
  if (typeof raw.cloud !== 'string') return suffixGiven ? [ignored] : [];
  const cloud = raw.cloud.trim().toLowerCase();
  if (cloud === 'private') {
    if (!suffixGiven) return [{ path: ['endpointSuffix'], message: `must be provided for Private cloud type (e.g. ${example})` }];
    // The resource is read at https://<name>.<suffix>/... with the identity's token: a host name,
    // nothing that could add a port, a path or a query.
    if (typeof raw.endpointSuffix === 'string' && !isHostSuffix(raw.endpointSuffix.trim())) {
      return [{ path: ['endpointSuffix'], message: `${show(raw.endpointSuffix)} is not a host name suffix (labels of letters, digits and hyphens separated by dots; no scheme, port or path)` }];
    }
    return [];
  }
  const issues: CheckIssue[] = [];
  // hasOwn, not `in`: "constructor" is in every object.
  if (!Object.hasOwn(suffixes, cloud)) {
    issues.push({ path: ['cloud'], message: `invalid cloud environment ${show(raw.cloud)}: use AzurePublicCloud, AzureUSGovernmentCloud, AzureChinaCloud or Private` });
  }
  if (suffixGiven) issues.push(ignored);
  return issues;
}
