/**
 * A string that counts how often a regular expression engine reads its characters. re2js takes
 * `String` objects as well as primitives and reads through `charCodeAt`/`codePointAt`, so the count
 * is the engine's work on the text: a measure that does not depend on the machine's speed.
 */
export function countingText(value: string): { text: string; reads(): number } {
  let reads = 0;
  class Counting extends String {
    override charCodeAt(index: number): number {
      reads++;
      return super.charCodeAt(index);
    }
    override codePointAt(index: number): number | undefined {
      reads++;
      return super.codePointAt(index);
    }
  }
  // Typed as a string for the caller: it is one, with counted reads.
  return { text: new Counting(value) as unknown as string, reads: () => reads };
}
