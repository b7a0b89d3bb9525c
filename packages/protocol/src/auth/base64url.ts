/** Tencent's URL-safe base64 flavour used by UserSig: `+`→`*`, `/`→`-`, `=`→`_`. */
export function escapeBase64(standard: string): string {
  return standard.replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
}

export function unescapeBase64(escaped: string): string {
  return escaped.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
}
