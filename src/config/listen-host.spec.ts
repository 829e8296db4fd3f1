import { decideListenHost, listenHostNeedsDemoCheck } from './listen-host.js';
import { loadConfig } from './load-config.js';

// Configurations read as a start reads them: the database is external, so nothing is seeded.
const external = 'postgresql://app@db.internal:5432/eventflow';

describe('decideListenHost (the demo admin password left live by an earlier seed)', () => {
  it('HOST unset, demo data off, demo admin password live: loopback only, and says how to fix it', () => {
    const config = loadConfig({ DATABASE_URL: external });
    expect(config).toMatchObject({ host: '0.0.0.0', hostExplicit: false, seedDemoData: false });
    expect(listenHostNeedsDemoCheck(config)).toBe(true);
    const decision = decideListenHost(config, true);
    expect(decision.host).toBe('127.0.0.1');
    expect(decision.warning).toContain('admin@ticketmaster.test / admin1234');
    expect(decision.warning).toContain('Change that password or delete the demo accounts');
    expect(decision.warning).toContain('set HOST');
  });

  it('HOST unset, the demo password changed or the accounts gone: every interface, no warning', () => {
    const config = loadConfig({ DATABASE_URL: external });
    expect(decideListenHost(config, false)).toEqual({ host: '0.0.0.0' });
  });

  it('HOST set beyond loopback with the demo password live: obeyed, with a warning', () => {
    const config = loadConfig({ DATABASE_URL: external, HOST: '0.0.0.0' });
    expect(config.hostExplicit).toBe(true);
    const decision = decideListenHost(config, true);
    expect(decision.host).toBe('0.0.0.0');
    expect(decision.warning).toContain('HOST=0.0.0.0 serves a database whose demo admin');
  });

  it('asks the database only where its answer can matter', () => {
    // Loopback already: nothing to protect.
    expect(listenHostNeedsDemoCheck(loadConfig({ HOST: '127.0.0.1' }))).toBe(false);
    // Seeding with HOST unset binds loopback from the configuration alone.
    expect(listenHostNeedsDemoCheck(loadConfig({}))).toBe(false);
    // Seeding with an explicit HOST beyond loopback: the configuration already warned.
    const seeding = loadConfig({ HOST: '0.0.0.0' });
    expect(seeding.warnings.join('\n')).toContain('HOST=0.0.0.0 serves the demo data');
    expect(listenHostNeedsDemoCheck(seeding)).toBe(false);
  });
});
