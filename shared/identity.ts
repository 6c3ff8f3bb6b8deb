// Credentials: a user-assigned managed identity in Azure, picked by client id (per trigger or
// cluster, else AZURE_CLIENT_ID). Local development may use the developer's own sign-in.
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';

export interface CredentialFactory {
  (clientId?: string): TokenCredential;
}

/** One credential per client id for the life of the process, so tokens are cached and shared. */
export function createCredentialFactory(settings: { AZURE_CLIENT_ID?: string | undefined }, localDevelopment: boolean): CredentialFactory {
  const credentials = new Map<string, TokenCredential>();
  return (clientId) => {
    const id = clientId ?? settings.AZURE_CLIENT_ID ?? '';
    let credential = credentials.get(id);
    if (!credential) {
      credential = localDevelopment
        ? new DefaultAzureCredential(id ? { managedIdentityClientId: id } : {})
        : new ManagedIdentityCredential(id ? { clientId: id } : {});
      credentials.set(id, credential);
    }
    return credential;
  };
}
