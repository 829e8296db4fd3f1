import ipaddr from 'ipaddr.js';

/**
 * Why an endpoint URL is refused on creation, or undefined when it is acceptable. Literal
 * addresses are judged here; host names are judged again after DNS resolution at every delivery
 * (request-filtering-agent), so a name that later points inside is refused then.
 */
export function webhookUrlProblem(raw: string, allowPrivate: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a valid URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return 'must start with https:// or http://';
  if (url.username !== '' || url.password !== '') {
    return 'must not carry credentials: verify the webhook-signature header instead';
  }
  if (url.hash !== '') return 'must not have a #fragment';
  if (allowPrivate) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) {
    return 'points at this machine (loopback), which is not allowed';
  }
  if (!ipaddr.isValid(host)) return undefined;
  const range = ipaddr.process(host).range();
  return range === 'unicast'
    ? undefined
    : `points at a ${range} address, which is not allowed (only public addresses are)`;
}
