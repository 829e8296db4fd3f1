// An SMTP server in the benchmark's process that accepts every email and keeps none. Production
// refuses to start without SMTP_URL, and every paid order sends a confirmation: the sink answers
// at once, so the pays measure the API's work of sending, not a mail server's.
import net from 'node:net';

/** Replies to the commands a plain (no TLS, no AUTH) SMTP client sends. */
const REPLIES = {
  EHLO: '250 bench-sink',
  HELO: '250 bench-sink',
  MAIL: '250 OK',
  RCPT: '250 OK',
  RSET: '250 OK',
  NOOP: '250 OK',
  DATA: '354 End data with <CR><LF>.<CR><LF>',
  QUIT: '221 Bye',
};

export class SmtpSink {
  constructor() {
    this.accepted = 0;
    this.sockets = new Set();
    this.server = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      this.serve(socket);
    });
  }

  /** Listens on 127.0.0.1 and a free port; returns the SMTP_URL for the API. */
  async start() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `smtp://127.0.0.1:${this.server.address().port}`;
  }

  serve(socket) {
    let buffered = '';
    let inData = false;
    const reply = (line) => socket.write(`${line}\r\n`);
    socket.setEncoding('utf8');
    socket.on('error', () => undefined); // a client gone mid-session is no concern of the bench
    socket.on('data', (chunk) => {
      buffered += chunk;
      let end;
      while ((end = buffered.indexOf('\r\n')) !== -1) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (inData) {
          // The message ends with a line holding one dot; its content is not kept.
          if (line === '.') {
            inData = false;
            this.accepted++;
            reply('250 OK: queued');
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        reply(REPLIES[verb] ?? '502 Command not implemented');
        if (verb === 'DATA') inData = true;
        if (verb === 'QUIT') socket.end();
      }
    });
    reply('220 bench-sink ESMTP');
  }

  /** Stops listening and drops the connections the API keeps open. */
  close() {
    const closed = new Promise((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    return closed;
  }
}
