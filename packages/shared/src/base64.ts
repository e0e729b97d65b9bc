/** Bytes from base64 (how GraphQL and JSON carry binary: token patches, board versions, embeddings). */
export function bytesFromBase64(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}
