import { Injectable } from '@nestjs/common';
import { pageWindow } from '../../common/http/pagination.js';
import { PrismaService } from '../../infrastructure/database/prisma.service.js';
import type { ScanOutcome, ScanRecord } from './check-in.records.js';

@Injectable()
export class CheckInsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The check-in and its log line, atomically (eventflow_check_in). */
  async scan(eventId: string, code: string, scannedById: string): Promise<ScanOutcome> {
    const rows = await this.prisma.$queryRaw<{ outcome: ScanOutcome }[]>`
      SELECT eventflow_check_in(${eventId}::uuid, ${code}, ${scannedById}::uuid) AS outcome`;
    return rows[0].outcome;
  }

  async list(
    eventId: string,
    page: number,
    limit: number,
  ): Promise<{ scans: ScanRecord[]; total: number }> {
    const [scans, total] = await Promise.all([
      this.prisma.checkIn.findMany({
        where: { eventId },
        select: { code: true, result: true, scannedAt: true },
        orderBy: [{ scannedAt: 'desc' }, { id: 'desc' }],
        ...pageWindow(page, limit),
      }),
      this.prisma.checkIn.count({ where: { eventId } }),
    ]);
    return { scans, total };
  }
}
