// Builds the committed assets in src/onecouncil/core/static/onecouncil/.
// Run once after changing frontend/src (npm ci && npm run build); running the product
// never needs Node.
import { compile } from "sass";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

const out = "../src/onecouncil/core/static/onecouncil";
mkdirSync(out, { recursive: true });
const result = compile("src/onecouncil.scss", {
  loadPaths: ["node_modules"],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
// A council is not the Crown: the footer's crest (Crown copyright) is never shown, so
// its image is not referenced (collectstatic's manifest would look for the file).
const css = result.css.replaceAll('url("/static/onecouncil/images/govuk-crest.svg")', "none");
writeFileSync(`${out}/onecouncil.css`, css);
copyFileSync("node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js", `${out}/govuk-frontend.min.js`);
copyFileSync("node_modules/govuk-frontend/package.json", `${out}/govuk-frontend-version.json`);
// Maps: Leaflet, and its stylesheet with ours, loaded only by pages that show a map.
mkdirSync(`${out}/images`, { recursive: true });
for (const image of ["layers.png", "layers-2x.png", "marker-icon.png", "marker-icon-2x.png", "marker-shadow.png"]) {
  copyFileSync(`node_modules/leaflet/dist/images/${image}`, `${out}/images/${image}`);
}
// Without its source map line: the map is not shipped, and collectstatic checks links.
writeFileSync(
  `${out}/leaflet.js`,
  readFileSync("node_modules/leaflet/dist/leaflet.js", "utf8").replace(/\n\/\/# sourceMappingURL=.*\n?$/, "\n"),
);
copyFileSync("node_modules/leaflet/LICENSE", `${out}/leaflet-LICENSE.txt`);
writeFileSync(
  `${out}/map.css`,
  readFileSync("node_modules/leaflet/dist/leaflet.css", "utf8") + readFileSync("src/map.css", "utf8"),
);
console.log(`Wrote ${out}/onecouncil.css (${css.length} bytes) and govuk-frontend.min.js`);
