import type { EventRole } from '../events/event-permissions.js';

export type TeamRole = Exclude<EventRole, 'ORGANIZER'>;

export interface TeamMemberRecord {
  userId: string;
  email: string;
  name: string;
  role: TeamRole;
  addedAt: Date;
}
