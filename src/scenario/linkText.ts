/**
 * Text packed into a link: zlib, then base64url (every character one that encodeURIComponent leaves alone). The
 * scenario codec (`#s=`) and the user-points key (`pts=`) both carry their payloads this way.
 */
import { strFromU8, strToU8, unzlibSync, zlibSync } from 'fflate';

function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function packLinkText(text: string): string {
  return toBase64Url(zlibSync(strToU8(text), { level: 9 }));
}

/**
 * The text of a packed payload, or undefined when it inflates to `maxBytes` bytes or more: it is inflated into a
 * fixed buffer, so a small link of zeros cannot inflate to megabytes before the check. Throws when damaged.
 */
export function unpackLinkText(packed: string, maxBytes: number): string | undefined {
  const bytes = unzlibSync(fromBase64Url(packed), { out: new Uint8Array(maxBytes) });
  return bytes.length < maxBytes ? strFromU8(bytes) : undefined;
}
