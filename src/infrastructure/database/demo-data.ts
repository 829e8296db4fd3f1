import type { Logger } from 'pino';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { PasswordHasher } from '../../modules/auth/password-hasher.js';

/** The accounts API.md promises on a fresh start. */
export const DEMO_ACCOUNTS = [
  {
    email: 'admin@ticketmaster.test',
    password: 'admin1234',
    name: 'Demo Organizer',
    role: 'ADMIN',
  },
  { email: 'user@ticketmaster.test', password: 'user1234', name: 'Demo Buyer', role: 'USER' },
] as const;

/**
 * The demo admin still signs in with the password API.md publishes: one argon2 verification of
 * its stored hash (as a sign-in does), false once the password was changed or the account deleted.
 */
export async function demoAdminPasswordIsLive(prisma: PrismaClient): Promise<boolean> {
  const admin = DEMO_ACCOUNTS.find((account) => account.role === 'ADMIN')!;
  const user = await prisma.user.findUnique({
    where: { email: admin.email },
    select: { passwordHash: true },
  });
  return user !== null && (await new PasswordHasher().verify(user.passwordHash, admin.password));
}

/** Published events, dated from today so they are always in the future. */
function demoEvents(now: Date) {
  const at = (days: number, hour: number) =>
    new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + days, hour));
  return [
    {
      title: 'Rust & Rivers Open-Air Festival',
      description: 'Three stages by the river, from noon until late.',
      venue: 'Riverside Park, Lisbon',
      startsAt: at(30, 12),
      endsAt: at(30, 23),
      ticketTypes: [
        { name: 'General admission', priceCents: 4_900, capacity: 500, maxPerOrder: 10 },
        { name: 'VIP', priceCents: 14_900, capacity: 50, maxPerOrder: 4, maxPerBuyer: 4 },
      ],
    },
    {
      title: 'Distributed Systems Meetup',
      description: 'Two talks on consensus, then pizza.',
      venue: 'Tech Hub, Berlin',
      startsAt: at(14, 18),
      endsAt: at(14, 21),
      ticketTypes: [{ name: 'Free entry', priceCents: 0, capacity: 120, maxPerOrder: 2 }],
    },
    {
      title: 'Symphony Under the Stars',
      description: 'The city orchestra plays Dvořák and Sibelius.',
      venue: 'Concert Hall, Vienna',
      startsAt: at(60, 19),
      endsAt: at(60, 22),
      ticketTypes: [
        { name: 'Stalls', priceCents: 8_500, capacity: 300, maxPerOrder: 6 },
        { name: 'Balcony', priceCents: 5_500, capacity: 200, maxPerOrder: 6 },
      ],
    },
  ];
}

/**
 * Creates the demo accounts and events. Safe to run twice: accounts are matched by email, and
 * events are only created for an organizer who has none.
 */
export async function loadDemoData(
  prisma: PrismaClient,
  logger: Logger,
  now = new Date(),
): Promise<void> {
  const hasher = new PasswordHasher();
  const ids: Record<string, string> = {};
  for (const account of DEMO_ACCOUNTS) {
    // An upsert that changes nothing on an existing account: the start holds the migration lock
    // while seeding, and this stays correct without it (npm run prisma:seed beside a start).
    const existing = await prisma.user.findUnique({
      where: { email: account.email },
      select: { id: true },
    });
    ids[account.role] =
      existing?.id ??
      (
        await prisma.user.upsert({
          where: { email: account.email },
          update: {},
          create: {
            email: account.email,
            name: account.name,
            role: account.role,
            passwordHash: await hasher.hash(account.password),
          },
          select: { id: true },
        })
      ).id;
  }
  const organizerId = ids.ADMIN;
  if ((await prisma.event.count({ where: { organizerId } })) > 0) {
    logger.info('Demo data already present');
    return;
  }
  for (const { ticketTypes, ...event } of demoEvents(now)) {
    await prisma.event.create({
      data: {
        ...event,
        organizerId,
        published: true,
        ticketTypes: {
          create: ticketTypes.map((type) => ({ ...type, available: type.capacity })),
        },
      },
    });
  }
  logger.info(
    { accounts: DEMO_ACCOUNTS.map((a) => a.email), events: demoEvents(now).length },
    'Demo data loaded',
  );
}
