/**
 * @module A throwaway certificate authority and a server certificate for 127.0.0.1, made at test time.
 */
import { generate } from 'selfsigned';

/** PEM strings: the CA's certificate (for the kubeconfig) and the server's key and certificate. */
export interface TestCerts {
  ca: string;
  key: string;
  cert: string;
}

/**
 * Makes a CA and a server certificate it signed, valid for `127.0.0.1` and `localhost`, as a real cluster's
 * API server has (the client verifies the chain against the kubeconfig's certificate-authority-data).
 * @returns the PEMs; EC P-256 keys, so this takes milliseconds.
 */
export async function makeCerts(): Promise<TestCerts> {
  const notAfterDate = new Date(Date.now() + 24 * 3600 * 1000);
  const ca = await generate([{ name: 'commonName', value: 'goscale-test-ca' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'kube-apiserver' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return { ca: ca.cert, key: server.private, cert: server.cert };
}
