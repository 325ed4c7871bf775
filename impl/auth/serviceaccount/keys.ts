/**
 * Service account signing and verification keys: PEM files as `--service-account-signing-key-file`
 * and `--service-account-key-file` take them, key IDs as upstream computes them.
 *
 * upstream: pkg/serviceaccount/jwt.go (keyIDFromPublicKey, signerFromRSAPrivateKey...)
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

/** ServiceAccountKey is one public key that may have signed tokens, with its `kid` and JWS alg. */
export interface ServiceAccountKey {
  kid: string;
  alg: string;
  publicKey: KeyObject;
}

/** SigningKey is the private key tokens are signed with. */
export interface SigningKey extends ServiceAccountKey {
  privateKey: KeyObject;
}

/** keyIdFromPublicKey is base64url(sha256(DER SubjectPublicKeyInfo)), upstream keyIDFromPublicKey. */
export function keyIdFromPublicKey(pub: KeyObject): string {
  const der = pub.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url');
}

/** algForKey returns RS256 for RSA keys and ES256/ES384/ES512 by curve for EC keys. */
export function algForKey(pub: KeyObject): string {
  if (pub.asymmetricKeyType === 'rsa') return 'RS256';
  if (pub.asymmetricKeyType === 'ec') {
    const curve = pub.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1' || curve === 'P-256') return 'ES256';
    if (curve === 'secp384r1' || curve === 'P-384') return 'ES384';
    if (curve === 'secp521r1' || curve === 'P-521') return 'ES512';
  }
  throw new Error(`unsupported service account key type ${pub.asymmetricKeyType ?? 'unknown'}`);
}

/** signingKeyFromPem reads a PEM private key (RSA or EC). */
export function signingKeyFromPem(pem: string | Buffer): SigningKey {
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, kid: keyIdFromPublicKey(publicKey), alg: algForKey(publicKey) };
}

/**
 * verificationKeysFromPem reads every key of a PEM file as `--service-account-key-file` does:
 * public keys, certificates' keys and private keys (their public half).
 */
export function verificationKeysFromPem(pem: string | Buffer): ServiceAccountKey[] {
  const blocks = pem.toString().match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? [];
  const out: ServiceAccountKey[] = [];
  for (const b of blocks) {
    let pub: KeyObject;
    if (/PRIVATE KEY/.test(b)) pub = createPublicKey(createPrivateKey(b));
    else pub = createPublicKey(b);
    out.push({ publicKey: pub, kid: keyIdFromPublicKey(pub), alg: algForKey(pub) });
  }
  if (out.length === 0) throw new Error('data does not contain any valid RSA or ECDSA public keys');
  return out;
}

/** generateSigningKeyPem makes a new RSA 2048 private key in PKCS#8 PEM (first start, as `kubeadm` does). */
export function generateSigningKeyPem(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}
