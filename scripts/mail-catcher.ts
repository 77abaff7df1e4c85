/**
 * The local mail catcher of `npm start` (K-70): mailpit, taking the platform's mail over SMTP
 * and showing it in a web UI. Both ports are picked free; its messages are kept in the data folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pollUntil } from './poll.js';
import { freePort } from './ports.js';

export interface MailCatcher {
  process: ChildProcess;
  /** Where the worker sends mail: `smtp://127.0.0.1:<port>`. */
  smtpUrl: string;
  /** The web UI that shows what arrived. */
  uiUrl: string;
  stop(): void;
}

/** Starts mailpit (the executable at `exe`) in a process group of its own and waits until it is ready. */
export async function startMailCatcher(opts: { exe: string; dataDir: string; onOutput: (text: string) => void }): Promise<MailCatcher> {
  const [smtpPort, uiPort] = [await freePort(), await freePort()];
  mkdirSync(opts.dataDir, { recursive: true });
  const args = ['--smtp', `127.0.0.1:${smtpPort}`, '--listen', `127.0.0.1:${uiPort}`, '--database', join(opts.dataDir, 'mailpit.db'), '--quiet'];
  const child = spawn(opts.exe, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout!.on('data', (chunk: Buffer) => opts.onOutput(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => opts.onOutput(chunk.toString()));
  const uiUrl = `http://127.0.0.1:${uiPort}`;
  await pollUntil(
    async () => {
      if (child.exitCode !== null) throw new Error(`mailpit exited with ${child.exitCode}`);
      return (await fetch(`${uiUrl}/readyz`).catch(() => undefined))?.ok;
    },
    { timeoutMs: 30_000, intervalMs: 200, what: `mailpit to answer on ${uiUrl}/readyz` },
  );
  return { process: child, smtpUrl: `smtp://127.0.0.1:${smtpPort}`, uiUrl, stop: () => child.kill('SIGTERM') };
}
