import type { AppConfig } from './app-config.js';
import { DEMO_ADMIN_SIGN_IN, LOOPBACK } from './load-config.js';

export interface ListenHost {
  host: string;
  /** Said at start when the demo admin's published password is live beyond loopback. */
  warning?: string;
}

type HostConfig = Pick<AppConfig, 'host' | 'hostExplicit' | 'seedDemoData'>;

/**
 * Whether the answer depends on the database: on loopback nothing is exposed, and an explicit
 * HOST with SEED_DEMO_DATA on was warned about when the configuration was read.
 */
export function listenHostNeedsDemoCheck(config: HostConfig): boolean {
  return !LOOPBACK.test(config.host) && !(config.hostExplicit && config.seedDemoData);
}

/**
 * Where the listeners bind, once the database has said whether the demo admin still signs in with
 * its published password. The configuration alone decides loopback only while it seeds the demo
 * data; a database seeded by an earlier start keeps the accounts after SEED_DEMO_DATA is turned off,
 * so without an explicit HOST such a database is served on loopback only, with a warning saying how
 * to open it. An explicit HOST is obeyed, with a warning.
 */
export function decideListenHost(config: HostConfig, demoAdminPasswordLive: boolean): ListenHost {
  if (!demoAdminPasswordLive || !listenHostNeedsDemoCheck(config)) return { host: config.host };
  if (!config.hostExplicit) {
    return {
      host: '127.0.0.1',
      warning:
        `The demo admin account still signs in with its published password (${DEMO_ADMIN_SIGN_IN}): listening on 127.0.0.1 only, not ${config.host}. ` +
        'Change that password or delete the demo accounts (users @ticketmaster.test), or set HOST (such as HOST=0.0.0.0) to listen there anyway',
    };
  }
  return {
    host: config.host,
    warning: `HOST=${config.host} serves a database whose demo admin account still signs in with its published password (${DEMO_ADMIN_SIGN_IN}): change that password or delete the demo accounts`,
  };
}
