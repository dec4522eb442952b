import { InvalidArgumentError } from "commander";

/** commander collector for repeatable `-c key=value`. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** commander parser: a whole number of at least `min` (bytes, counts). */
export function integerAtLeast(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(
        min === 1 ? "expected a positive integer" : `expected an integer >= ${min}`,
      );
    }
    return n;
  };
}

/** commander parser: a TCP port, 0 picking a free one. */
export function port(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError("expected a port number 0-65535");
  return n;
}
