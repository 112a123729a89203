// Builds the committed assets in src/onecouncil/core/static/onecouncil/.
// Run once after changing frontend/src (npm ci && npm run build); running the product
// never needs Node.
import { compile } from "sass";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";

const out = "../src/onecouncil/core/static/onecouncil";
mkdirSync(out, { recursive: true });
const result = compile("src/onecouncil.scss", {
  loadPaths: ["node_modules"],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(`${out}/onecouncil.css`, result.css);
copyFileSync("node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js", `${out}/govuk-frontend.min.js`);
copyFileSync("node_modules/govuk-frontend/package.json", `${out}/govuk-frontend-version.json`);
console.log(`Wrote ${out}/onecouncil.css (${result.css.length} bytes) and govuk-frontend.min.js`);
