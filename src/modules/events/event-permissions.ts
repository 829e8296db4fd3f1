/**
 * Who may do what to one event: the one table. The organizer owns the event; its team's members
 * hold a role on it (the `event_members` table). Read on every request it authorises, so a change
 * of role or a removal takes effect on the next request.
 */
export type EventRole = 'ORGANIZER' | 'MANAGER' | 'SCANNER';

export type EventAction =
  /** See the event while it is a draft. */
  | 'see-draft'
  /** Change the event and its ticket types, publish it. */
  | 'edit'
  /** Cancel or delete the event. */
  | 'cancel'
  /** Add, change and remove members of the team. */
  | 'manage-team'
  | 'see-team'
  /** Create, list and revoke the event's scanner device keys. */
  | 'manage-devices'
  | 'see-orders'
  /** Cancel any order of the event, refunding it in full. */
  | 'refund-orders'
  | 'see-stats'
  | 'see-attendees'
  | 'check-in'
  | 'see-scans';

const EVERYTHING: readonly EventAction[] = [
  'see-draft',
  'edit',
  'cancel',
  'manage-team',
  'see-team',
  'manage-devices',
  'see-orders',
  'refund-orders',
  'see-stats',
  'see-attendees',
  'check-in',
  'see-scans',
];

export const EVENT_PERMISSIONS: Record<EventRole, ReadonlySet<EventAction>> = {
  ORGANIZER: new Set(EVERYTHING),
  MANAGER: new Set(EVERYTHING.filter((action) => action !== 'cancel' && action !== 'manage-team')),
  SCANNER: new Set(['see-draft', 'see-attendees', 'check-in', 'see-scans']),
};

export function mayDo(role: EventRole | null, action: EventAction): boolean {
  return role !== null && EVENT_PERMISSIONS[role].has(action);
}
