/** Deterministic word text of at least `bytes` characters (a payload body that is not all one byte). */
export function filler(seed: number, bytes: number): string {
  const words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"];
  let s = "";
  for (let i = 0; s.length < bytes; i++)
    s += words[(seed * 7 + i * 3) % words.length] + (i % 12 === 11 ? "\n" : " ");
  return s;
}
