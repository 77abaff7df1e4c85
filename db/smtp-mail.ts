/**
 * The mail adapter over SMTP (K-70): nodemailer, to the server SMTP_URL names, loaded at the
 * first message (a process that never mails does not load it).
 */
import type { Transporter } from 'nodemailer';
import type { MailAdapter } from './outbox.js';

/**
 * Sends each message as plain text from `from` to the server at `url` (`smtp://host:port`, or
 * `smtps://` for TLS from the first byte; credentials in the URL's user info). A refused or
 * unreachable server rejects the send, and the outbox retries the message later.
 */
export function smtpMailAdapter(url: string, from: string): MailAdapter & { close(): void } {
  let transport: Promise<Transporter> | undefined;
  return {
    async send(message) {
      transport ??= import('nodemailer').then(({ createTransport }) => createTransport(url, { from }));
      // A transport that could not be made is not kept: the outbox's next try makes it again.
      const sender = await transport.catch((err: unknown) => {
        transport = undefined;
        throw err;
      });
      await sender.sendMail({ to: message.to, subject: message.subject, text: message.body, headers: { 'X-Gigflow-Kind': message.kind } });
    },
    // A transport whose making failed has nothing to close (that send has the error).
    close: () => void transport?.then((t) => t.close(), () => undefined),
  };
}
