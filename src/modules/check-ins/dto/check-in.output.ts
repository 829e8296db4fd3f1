import { ApiProperty } from '@nestjs/swagger';
import { PageMetaResponse } from '../../../common/http/openapi.js';
import { TicketOutput } from '../../tickets/dto/ticket.output.js';
import type { ScanRecord, ScanResult } from '../check-in.records.js';

export class CheckInOutput {
  @ApiProperty({ type: TicketOutput }) ticket: TicketOutput;
  @ApiProperty({ format: 'date-time' }) checkedInAt: string;
}

export class ScanOutput {
  @ApiProperty({ description: 'The code presented.' }) code: string;
  @ApiProperty({ enum: ['OK', 'ALREADY_CHECKED_IN', 'VOID', 'UNKNOWN'] }) result: ScanResult;
  @ApiProperty({ format: 'date-time' }) scannedAt: string;

  static from(scan: ScanRecord): ScanOutput {
    return { code: scan.code, result: scan.result, scannedAt: scan.scannedAt.toISOString() };
  }
}

export class ScanListOutput {
  @ApiProperty({ type: [ScanOutput] }) data: ScanOutput[];
  @ApiProperty({ type: PageMetaResponse }) meta: PageMetaResponse;
}
