// The map of a group's subjects and links (bot/web map page). The page carries the graph as
// JSON in a <script type="application/json"> element (data, not script: the policy allows
// it), and a list view of the same subjects that works without this script.
import cytoscape from "cytoscape";

const holder = document.getElementById("map-canvas");
const source = document.getElementById("map-data");
if (holder && source) {
  const graph = JSON.parse(source.textContent);
  cytoscape({
    container: holder,
    elements: graph.elements,
    layout: { name: "cose", animate: false },
  });
}
