/**
 * Throwaway X.509 material for the tests of Temporal over TLS: a CA, a server certificate it
 * signs, a client certificate it signs, and a second CA nothing trusts. Node's crypto reads
 * certificates but cannot sign them, so the `openssl` command makes them (P-256 keys: fast).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Paths of PEM files, each certificate valid for a day. */
export interface TestCertificates {
  ca: string;
  /** For `serverName` only (no IP address), so reaching it at 127.0.0.1 needs the name given. */
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A CA that signed nothing here: a client trusting it alone refuses the server. */
  strangerCa: string;
  serverName: string;
}

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`openssl ${args[0]} failed (the TLS tests need the openssl command): ${stderr || (err as Error).message}`);
  }
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A certificate for `name`, signed by `dir`'s ca.crt, with exactly the extensions given. */
function signed(dir: string, name: string, subject: string, extensions: string[]): void {
  writeFileSync(join(dir, `${name}.ext`), `${extensions.join('\n')}\n`);
  openssl(dir, ['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${subject}`]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-out', `${name}.crt`, '-extfile', `${name}.ext`]);
}

/** Makes a fresh set of certificates in `dir` (created if missing). */
export function makeTestCertificates(dir: string): TestCertificates {
  mkdirSync(dir, { recursive: true });
  const serverName = 'temporal.gigflow.test';
  openssl(dir, ['req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=gigflow test CA']);
  openssl(dir, ['req', '-x509', ...EC, '-keyout', 'stranger.key', '-out', 'stranger.crt', '-days', '1', '-subj', '/CN=stranger CA']);
  // End-entity certificates must say so (CA:FALSE) and what they are for: rustls, under the
  // SDK's native connection, refuses a CA certificate used as a server's or client's.
  signed(dir, 'server', serverName, ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth', `subjectAltName=DNS:${serverName}`]);
  signed(dir, 'client', 'gigflow worker', ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth']);
  const at = (file: string) => join(dir, file);
  return {
    ca: at('ca.crt'),
    serverCert: at('server.crt'),
    serverKey: at('server.key'),
    clientCert: at('client.crt'),
    clientKey: at('client.key'),
    strangerCa: at('stranger.crt'),
    serverName,
  };
}
