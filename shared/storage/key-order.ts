/**
 * Orders keys the way S3 lists them: by their UTF-8 bytes. JavaScript's `<` compares UTF-16
 * code units, which sorts characters above U+FFFF before U+E000–U+FFFF; both stores use this
 * so a listing is the same whichever store produced it.
 */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
