// Schema helpers shared by the configuration (shared/config) and the trigger types'
// metadata (shared/sources): neither imports the other for them.
export {
  checked, clientId, decimal, fields, formatPath, GUID, integer, isHostSuffix, isoTime, isRecord, keyValuePairs, kubeLabel, kubeName,
  oneOf, parseConfig, peek, quantity, serviceUrl, show, text,
  type CheckIssue, type Settings,
} from './values.js';
