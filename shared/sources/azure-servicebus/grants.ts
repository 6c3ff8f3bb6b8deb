// The Azure role the azure-servicebus trigger needs: the scaler identity reads each entity's
// runtime properties, on that entity (a queue, or a topic's subscription: infra/app/servicebus-access.bicep).
// That read is a management operation of Service Bus's ATOM API (GET https://<namespace>/<entity>),
// which Service Bus authorizes with the Manage claim (a SAS rule's "Manage,EntityRead claims
// required"); of the built-in roles only Azure Service Bus Data Owner carries it (Data Receiver and
// Data Sender carry receive and send only). KEDA documents the same role, on the namespace;
// docs/configuration.md compares the two. No send role: forward mode is not offered for this type
// (index.ts). Built-in role id from Azure's built-in roles list.
import type { Grants } from '../trigger-type.js';

export const grants: Grants = {
  scope: 'servicebus-entity',
  // The parsed metadata's entity path (the queue, or <topic>/Subscriptions/<subscription>) and namespace name.
  resourceField: 'entityPath',
  accountField: 'namespace',
  read: { name: 'Azure Service Bus Data Owner', id: '090c5cfd-751d-490a-894a-3ce6f1109419' },
};
