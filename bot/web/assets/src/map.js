// The map of a group's subjects and links (bot/web/templates/map.html). The page carries the
// graph as JSON in a <script type="application/json"> element (data, not script: the policy
// allows it), and a list view of the same subjects that works without this script; the
// network is shown only once this script runs.
//
// Each subject is drawn by its kind (shape), its risk (fill colour AND outline style AND
// the risk in words under its name: never colour alone), and opens its page on a click, or
// from the keyboard: Tab into the network, arrow keys from subject to subject (riskiest
// first, the list's order), Enter to open; + and - zoom, 0 fits it all. Colours come from
// the style sheet's custom properties, so Teams' dark and high-contrast themes apply.
import cytoscape from "cytoscape";

const SHAPES = {
  child: "ellipse",
  person: "diamond",
  location: "triangle",
  group: "hexagon",
  theme: "round-rectangle",
};
// The outline of each risk level, as the page's legend says.
const OUTLINES = {
  very_high: { style: "double", width: 7 },
  high: { style: "solid", width: 5 },
  medium: { style: "dashed", width: 3 },
  low: { style: "solid", width: 1.5 },
  none: { style: "dotted", width: 3 },
};
const SUBJECT_PAGE = /^\/subjects\/\d+$/;

function themed(name, fallback) {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

function styles() {
  const text = themed("--text", "#1b1b1b");
  const back = themed("--back", "#ffffff");
  const fills = {
    very_high: themed("--risk-very-high", "#a4262c"),
    high: themed("--risk-high", "#c43e00"),
    medium: themed("--risk-medium", "#8a6a00"),
    low: themed("--risk-low", "#107c10"),
    none: themed("--risk-none", "#6b6b6b"),
  };
  const rules = [
    {
      selector: "node",
      style: {
        label: (node) => `${node.data("label")}\n${node.data("riskLabel")}`,
        "text-wrap": "wrap",
        "text-max-width": "160px",
        "text-valign": "bottom",
        "text-margin-y": 6,
        "font-size": 13,
        color: text,
        "text-background-color": back,
        "text-background-opacity": 0.85,
        "text-background-padding": "2px",
        width: 34,
        height: 34,
        "border-color": text,
        shape: (node) => SHAPES[node.data("kind")] || "ellipse",
      },
    },
    {
      selector: "edge",
      style: {
        width: 2,
        "line-color": themed("--muted", "#4a4a4a"),
        "curve-style": "straight",
      },
    },
    {
      selector: "node.current",
      style: {
        "underlay-color": themed("--focus", "#b35c00"),
        "underlay-padding": 9,
        "underlay-opacity": 1,
        "underlay-shape": "ellipse",
        "font-weight": "bold",
        "text-background-opacity": 1,
      },
    },
  ];
  for (const [risk, outline] of Object.entries(OUTLINES)) {
    rules.push({
      selector: `node[risk = "${risk}"]`,
      style: {
        "background-color": fills[risk],
        "border-style": outline.style,
        "border-width": outline.width,
      },
    });
  }
  return rules;
}

function open(node) {
  const href = node.data("href");
  if (SUBJECT_PAGE.test(href)) window.location.assign(href);
}

function draw(holder, section, status, graph) {
  section.hidden = false;
  const cy = cytoscape({
    container: holder,
    elements: graph.elements,
    style: styles(),
    layout: {
      name: "cose",
      animate: false,
      randomize: false,
      nodeDimensionsIncludeLabels: true,
      idealEdgeLength: () => 90,
      nodeRepulsion: () => 6000,
      gravity: 0.8,
      padding: 30,
    },
    autoungrabify: true,
    boxSelectionEnabled: false,
    selectionType: "single",
    minZoom: 0.2,
    maxZoom: 3,
  });
  // A small map is drawn at its natural size, not blown up to fill the frame.
  if (cy.zoom() > 1.2) {
    cy.zoom(1.2);
    cy.center();
  }
  // The list order (riskiest first) is the keyboard's order too.
  const order = cy.nodes().toArray();
  let current = -1;

  function announce(node) {
    const links = node.data("links");
    status.textContent =
      `${node.data("kindLabel")}: ${node.data("label")}, ${node.data("riskLabel")}, ` +
      `linked to ${links} on this map. ${current + 1} of ${order.length}. ` +
      "Enter opens its page.";
  }

  function moveTo(index) {
    if (!order.length) return;
    current = (index + order.length) % order.length;
    cy.nodes().removeClass("current");
    const node = order[current];
    node.addClass("current");
    const box = node.renderedBoundingBox();
    if (box.x1 < 0 || box.y1 < 0 || box.x2 > cy.width() || box.y2 > cy.height()) {
      cy.center(node);
    }
    announce(node);
  }

  cy.on("tap", "node", (event) => open(event.target));
  cy.on("mouseover", "node", () => holder.classList.add("pointing"));
  cy.on("mouseout", "node", () => holder.classList.remove("pointing"));
  holder.addEventListener("focus", () => {
    moveTo(current < 0 ? 0 : current);
  });
  holder.addEventListener("keydown", (event) => {
    const moves = {
      ArrowRight: () => moveTo(current + 1),
      ArrowDown: () => moveTo(current + 1),
      ArrowLeft: () => moveTo(current - 1),
      ArrowUp: () => moveTo(current - 1),
      Home: () => moveTo(0),
      End: () => moveTo(order.length - 1),
      Enter: () => current >= 0 && open(order[current]),
      " ": () => current >= 0 && open(order[current]),
      "+": () => cy.zoom({ level: cy.zoom() * 1.25, renderedPosition: centre() }),
      "=": () => cy.zoom({ level: cy.zoom() * 1.25, renderedPosition: centre() }),
      "-": () => cy.zoom({ level: cy.zoom() / 1.25, renderedPosition: centre() }),
      0: () => cy.fit(undefined, 20),
    };
    const move = moves[event.key];
    if (move && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      move();
    }
  });

  function centre() {
    return { x: cy.width() / 2, y: cy.height() / 2 };
  }

  // Teams' theme (a class on <html>, set by teams.js) or the system's may change while
  // the page is open: draw again in the new colours.
  const restyle = () => cy.style(styles());
  new MutationObserver(restyle).observe(document.documentElement, {
    attributes: true,
    attributeFilter: ["class"],
  });
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", restyle);
  return cy;
}

const holder = document.getElementById("map-canvas");
const source = document.getElementById("map-data");
const section = document.getElementById("map-network");
const status = document.getElementById("map-status");
if (holder && source && section && status) {
  draw(holder, section, status, JSON.parse(source.textContent));
}
