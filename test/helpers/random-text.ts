/** Deterministic random texts from characters that matter to config formats (fuzz tests). */
export function* randomTexts(count: number, pieces: readonly string[]): Generator<string> {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  for (let n = 0; n < count; n++) {
    let text = "";
    for (let k = next() % 60; k > 0; k--) text += pieces[next() % pieces.length];
    yield text;
  }
}

export const FUZZ_PIECES = ["-", "=", '"', "'", "\\", "$", "{", "}", "%", "[", "]", ":", ",", ";", "#", " ", "\t", "\n", "\r", "a", "l", "p", "1", "0", "*", "<", ">", "|", "&", "(", ")", "@", "!", "+", "\u0000", "é", "\ud800", "{{", "}}", "<%", "%>", "export "];
