import { parseDocument, LineCounter } from "yaml";
const n = Number(process.argv[2]);
const cases = {
  "}\\n": "}\n".repeat(n), "} ": "} ".repeat(n), "}": ": " + "}".repeat(n), "k: [1]\\n": Array.from({length: n/2}, (_, i) => `k${i}: [1]\n`).join(""),
  "- [x": "- [x\n".repeat(n), "nested-[": "[".repeat(n), "x: {": "x: {" .repeat(n/4), "k: v": Array.from({length: n}, (_, i) => `k${i}: v\n`).join(""),
};
for (const [name, t] of Object.entries(cases)) {
  const s = performance.now(); let errs = 0; try { errs = parseDocument(t, { lineCounter: new LineCounter(), uniqueKeys: false, prettyErrors: false }).errors.length; } catch (e) { errs = String(e).slice(0, 50) }
  console.log(n, name, (performance.now() - s).toFixed(0), errs);
}
