import type { OutgoingHttpHeaders, RequestOptions } from 'node:http';

/**
 * An outgoing request's URL as a client span's `url.full` may carry it: scheme, host, port and
 * path, without the query, the fragment or any user:password. A webhook's URL is the
 * subscriber's to choose, and query strings are where keys and signatures go; the http
 * instrumentation's own redaction only knows a fixed list of parameter names.
 */
export function outgoingUrlWithoutQuery(options: RequestOptions): string {
  const protocol = options.protocol ?? 'http:';
  return `${protocol}//${authority(options, protocol)}${pathWithoutQuery(options.path ?? '/')}`;
}

export function pathWithoutQuery(path: string): string {
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
}

function authority(options: RequestOptions, protocol: string): string {
  const name = options.hostname ?? options.host;
  if (name == null) {
    // Headers given as a flat [name, value, ...] list have no `host` property: localhost then.
    const header = (options.headers as OutgoingHttpHeaders | undefined)?.host;
    return typeof header === 'string' ? header : 'localhost';
  }
  // Node takes a bare IPv6 address; a URL needs it in brackets, before any port.
  const host = name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
  const port = options.port == null ? '' : String(options.port);
  const defaultPort = protocol === 'https:' ? '443' : '80';
  return port === '' || port === defaultPort ? host : `${host}:${port}`;
}
