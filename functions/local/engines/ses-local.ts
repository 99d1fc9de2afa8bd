/**
 * The SES stand-in (aws-ses-v2-local) used through the real SESv2 client. Its store is in memory, so
 * the outbox also keeps every mail in a file: the outbox survives a restart.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { dirname } from 'node:path';
import sesServerModule from 'aws-ses-v2-local';
import * as z from 'zod';
import { freePort } from './net.ts';

export const OutboxMailSchema = z.object({
  messageId: z.string(),
  from: z.string(),
  destination: z.object({
    to: z.array(z.string()).default([]),
    cc: z.array(z.string()).default([]),
    bcc: z.array(z.string()).default([]),
  }),
  subject: z.string(),
  body: z.object({ text: z.string().optional(), html: z.string().optional() }),
  at: z.number(),
});
export type OutboxMail = z.infer<typeof OutboxMailSchema>;

export interface SesLocal {
  readonly endpoint: string;
  /** Every mail sent, newest first (saved ones included). */
  outbox(): Promise<OutboxMail[]>;
  stop(): Promise<void>;
}

type StartServer = (config: { host: string; port: number }) => Promise<Server>;

export async function startSesLocal(options: { port?: number; outboxFile?: string } = {}): Promise<SesLocal> {
  const port = options.port ?? (await freePort());
  // aws-ses-v2-local is CommonJS with a default export.
  const start = ((sesServerModule as unknown as { default?: StartServer }).default ??
    sesServerModule) as unknown as StartServer;
  const server = await start({ host: '127.0.0.1', port });
  const endpoint = `http://127.0.0.1:${port}`;
  const saved: OutboxMail[] =
    options.outboxFile && existsSync(options.outboxFile)
      ? z.array(OutboxMailSchema).parse(JSON.parse(readFileSync(options.outboxFile, 'utf8')))
      : [];

  const live = async (): Promise<OutboxMail[]> => {
    const answer = await fetch(`${endpoint}/store`);
    const store = z.object({ emails: z.array(OutboxMailSchema.loose()) }).parse(await answer.json());
    return store.emails.map((m) => OutboxMailSchema.parse(m));
  };
  const persist = (mails: OutboxMail[]) => {
    if (!options.outboxFile) return;
    mkdirSync(dirname(options.outboxFile), { recursive: true });
    writeFileSync(options.outboxFile, JSON.stringify(mails), { mode: 0o600 });
  };
  const all = async () => {
    const byId = new Map<string, OutboxMail>();
    for (const mail of [...saved, ...(await live())]) byId.set(mail.messageId, mail);
    const mails = [...byId.values()].sort((a, b) => b.at - a.at);
    if (mails.length !== saved.length) {
      persist(mails);
      saved.splice(0, saved.length, ...mails);
    }
    return mails;
  };
  return {
    endpoint,
    outbox: all,
    stop: async () => {
      await all();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
