export interface WebhookEndpointRecord {
  id: string;
  ownerId: string;
  url: string;
  description: string;
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: Date | null;
  failingSince: Date | null;
  previousSecretExpiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What a delivery needs: the endpoint with its signing secrets. */
export interface SigningEndpoint extends WebhookEndpointRecord {
  secret: string;
  previousSecret: string | null;
}

export interface DeliveryRecord {
  id: string;
  messageId: string;
  type: string;
  attempt: number;
  status: 'succeeded' | 'failed';
  responseStatus: number | null;
  durationMs: number;
  error: string | null;
  attemptedAt: Date;
  nextAttemptAt: Date | null;
}

export interface AttemptRecord {
  endpointId: string;
  messageId: string;
  attempt: number;
  succeeded: boolean;
  responseStatus: number | undefined;
  durationMs: number;
  error: string | undefined;
  /** When the next attempt runs; undefined: none. */
  nextAttemptAt: Date | undefined;
  /** Set when this attempt disables the endpoint. */
  disableReason: string | undefined;
}
