import { createPublicKey, type KeyObject, verify } from 'node:crypto';

/**
 * What the model-signing key signs: the version, the file's sha256 and the labels in output order, so a changed
 * label list or a version string swapped onto another file fails the check just as a changed file does.
 */
export const signedModelMessage = (version: string, sha256: string, labels: string[]) =>
  Buffer.from(`storegate-model-v1\n${version}\n${sha256}\n${JSON.stringify(labels)}`, 'utf8');

/** `recognition.rollout.publicKey`: PEM (SPKI) or the raw 32-byte Ed25519 key in base64. Throws when it is neither. */
export function parsePublicKey(text: string): KeyObject {
  const t = text.trim();
  const key = t.startsWith('-----BEGIN')
    ? createPublicKey(t)
    : (() => {
        const raw = Buffer.from(t, 'base64');
        if (raw.length !== 32) throw new Error('expected a PEM public key or 32 bytes of base64');
        return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
      })();
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`expected an Ed25519 key, got ${key.asymmetricKeyType}`);
  return key;
}

export function verifyModelSignature(key: KeyObject, a: { version: string; sha256: string; labels: string[]; signature: string }): boolean {
  const sig = Buffer.from(a.signature, 'base64');
  if (sig.length !== 64) return false;
  return verify(null, signedModelMessage(a.version, a.sha256, a.labels), key, sig);
}
