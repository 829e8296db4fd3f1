import type { TicketRecord } from '../tickets/ticket.records.js';

export type ScanResult = 'OK' | 'ALREADY_CHECKED_IN' | 'VOID' | 'UNKNOWN';

/** What eventflow_check_in answers (see its migration). */
export interface ScanOutcome {
  result: ScanResult;
  ticket: (Omit<TicketRecord, 'checkedInAt'> & { checkedInAt: string | null }) | null;
}

export interface ScanRecord {
  code: string;
  result: ScanResult;
  scannedAt: Date;
}
