import { outgoingUrlWithoutQuery, pathWithoutQuery } from './span-urls.js';

describe("a client span's url.full", () => {
  it('keeps scheme, host, port and path, and drops query, fragment and credentials', () => {
    expect(
      outgoingUrlWithoutQuery({
        protocol: 'https:',
        hostname: 'hooks.example.com',
        port: 8443,
        path: '/in/eventflow?key=SECRET&sig=x#frag',
        auth: 'user:password',
      }),
    ).toBe('https://hooks.example.com:8443/in/eventflow');
  });

  it("leaves out the scheme's default port and brackets an IPv6 address", () => {
    expect(
      outgoingUrlWithoutQuery({ protocol: 'https:', hostname: 'a.example', port: 443, path: '/' }),
    ).toBe('https://a.example/');
    expect(outgoingUrlWithoutQuery({ hostname: '::1', port: 8080, path: '/x?token=1' })).toBe(
      'http://[::1]:8080/x',
    );
  });

  it('falls back to the Host header, then localhost, and to / for the path', () => {
    expect(outgoingUrlWithoutQuery({ headers: { host: 'b.example:81' } })).toBe(
      'http://b.example:81/',
    );
    expect(outgoingUrlWithoutQuery({})).toBe('http://localhost/');
  });
});

describe('pathWithoutQuery', () => {
  it('cuts at the first ? or #', () => {
    expect(pathWithoutQuery('/api/auth/password-reset/confirm?token=abc')).toBe(
      '/api/auth/password-reset/confirm',
    );
    expect(pathWithoutQuery('/a#b?c')).toBe('/a');
    expect(pathWithoutQuery('/plain')).toBe('/plain');
  });
});
