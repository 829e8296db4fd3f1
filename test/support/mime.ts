/**
 * Just enough of MIME (RFC 2045-2047) to read what nodemailer sends: folded headers, encoded
 * words, nested multiparts, base64 and quoted-printable bodies. Test code, not a general parser.
 */
export interface MimePart {
  headers: Map<string, string>;
  contentType: string;
  params: Record<string, string>;
  /** The decoded body (empty for a multipart). */
  body: Buffer;
  parts: MimePart[];
}

export interface ParsedEmail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Every non-text leaf part (inline images included). */
  attachments: { contentType: string; contentId: string | undefined; content: Buffer }[];
  root: MimePart;
}

export function parseEmail(raw: Buffer): ParsedEmail {
  const root = parsePart(raw.toString('latin1'));
  const leaves = flatten(root);
  const textOf = (type: string) =>
    leaves.find((part) => part.contentType === type)?.body.toString('utf8') ?? '';
  return {
    from: decodeWords(root.headers.get('from') ?? ''),
    to: decodeWords(root.headers.get('to') ?? ''),
    subject: decodeWords(root.headers.get('subject') ?? ''),
    text: textOf('text/plain'),
    html: textOf('text/html'),
    attachments: leaves
      .filter((part) => !part.contentType.startsWith('text/'))
      .map((part) => ({
        contentType: part.contentType,
        contentId: part.headers.get('content-id')?.replace(/^<|>$/g, ''),
        content: part.body,
      })),
    root,
  };
}

function flatten(part: MimePart): MimePart[] {
  return part.parts.length === 0 ? [part] : part.parts.flatMap(flatten);
}

/** `latin1` keeps one character per byte, so bodies can be decoded to bytes exactly. */
function parsePart(source: string): MimePart {
  const split = source.indexOf('\r\n\r\n');
  const head = split === -1 ? source : source.slice(0, split);
  const rest = split === -1 ? '' : source.slice(split + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const [typeValue, ...paramTexts] = (headers.get('content-type') ?? 'text/plain').split(';');
  const params: Record<string, string> = {};
  for (const text of paramTexts) {
    const eq = text.indexOf('=');
    if (eq > 0)
      params[text.slice(0, eq).trim().toLowerCase()] = text
        .slice(eq + 1)
        .trim()
        .replace(/^"|"$/g, '');
  }
  const contentType = typeValue.trim().toLowerCase();
  if (contentType.startsWith('multipart/')) {
    const delimiter = `--${params.boundary}`;
    const sections = rest.split(delimiter);
    // Before the first delimiter is the preamble; from the closing `--` on, the epilogue.
    const parts = sections
      .slice(1)
      .filter((section) => !section.startsWith('--'))
      .map((section) => parsePart(section.replace(/^\r\n/, '').replace(/\r\n$/, '')));
    return { headers, contentType, params, body: Buffer.alloc(0), parts };
  }
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  return { headers, contentType, params, body: decodeBody(rest, encoding), parts: [] };
}

function decodeBody(body: string, encoding: string): Buffer {
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return Buffer.from(body, 'latin1');
}

function decodeQuotedPrintable(body: string): Buffer {
  const unwrapped = body.replace(/=\r\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < unwrapped.length; i++) {
    const hex = unwrapped.slice(i + 1, i + 3);
    if (unwrapped[i] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(unwrapped.charCodeAt(i));
    }
  }
  return Buffer.from(bytes);
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`); space between two of them is dropped. */
function decodeWords(value: string): string {
  const bytes = Buffer.from(value, 'latin1').toString('utf8');
  return bytes
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(
      /=\?([^?]+)\?([QB])\?([^?]*)\?=/gi,
      (_all, _charset: string, kind: string, text: string) =>
        kind.toUpperCase() === 'B'
          ? Buffer.from(text, 'base64').toString('utf8')
          : decodeQuotedPrintable(text.replace(/_/g, ' ')).toString('utf8'),
    );
}
