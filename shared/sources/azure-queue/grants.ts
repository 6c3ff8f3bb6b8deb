// The Azure roles the azure-queue trigger needs: the scaler identity reads each queue's length,
// the host identity sends to each wake.forwardTo queue; both at queue scope
// (infra/app/queue-access.bicep). Built-in role ids from Azure's built-in roles list.
import type { Grants } from '../trigger-type.js';

export const grants: Grants = {
  scope: 'storage-queue',
  resourceField: 'queueName',
  accountField: 'accountName',
  read: { name: 'Storage Queue Data Reader', id: '19e7f393-937e-4f77-808e-94535e297925' },
  send: { name: 'Storage Queue Data Message Sender', id: 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a' },
};
