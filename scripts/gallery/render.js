"use strict";
// Renders one card into a new slot on the gallery page and reports what the renderer said
// about it. Called by scripts/card_gallery.py through Playwright; page.html loads it after
// adaptivecards (window.AdaptiveCards) and markdown-it (window.markdownit, which the
// renderer uses for TextBlock markdown, as Teams renders **bold**).

// Renderer events that are advice, not faults; every other parse or validation event
// (unknown element or action, a bad property value, a duplicate id, too many actions...)
// is an error that fails the gallery.
const ADVICE = new Set(["Hint", "Deprecated"]);

function describeEvent(AC, event) {
  const kind = AC.ValidationEvent[event.event];
  const phase = AC.ValidationPhase[event.phase];
  // "Input.ChoiceSet#challengeTo": the element's type, and its id when it has one.
  let source = "";
  if (event.source && event.source.getJsonTypeName) {
    source = event.source.getJsonTypeName() + (event.source.id ? "#" + event.source.id : "");
  }
  return { kind: kind, phase: phase, source: source, message: event.message };
}

window.renderGalleryCard = function (slotId, payload, hostConfig, expand) {
  const AC = window.AdaptiveCards;
  // Teams renders up to Adaptive Cards 1.5: anything newer parses as unknown.
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  const card = new AC.AdaptiveCard();
  card.hostConfig = new AC.HostConfig(hostConfig);
  card.parse(payload, context);

  const events = [];
  for (let i = 0; i < context.eventCount; i++) {
    events.push(describeEvent(AC, context.getEventAt(i)));
  }
  for (const event of card.validateProperties().validationEvents) {
    events.push(describeEvent(AC, event));
  }

  const slot = document.createElement("div");
  slot.className = "slot";
  slot.id = slotId;
  const frame = document.createElement("div");
  frame.className = "card";
  slot.appendChild(frame);
  document.getElementById("gallery").appendChild(slot);

  const rendered = card.render();
  if (!rendered) {
    events.push({ kind: "Other", phase: "Render", source: "AdaptiveCard", message: "render() returned nothing" });
  } else {
    frame.appendChild(rendered);
  }

  // Open show cards (a form behind a button) by their button titles, in order.
  for (const title of expand) {
    const button = Array.from(slot.querySelectorAll("button.ac-pushButton.expandable")).find(
      (b) => !b.classList.contains("expanded") && (b.getAttribute("aria-label") || b.textContent).trim() === title,
    );
    if (!button) {
      events.push({ kind: "Other", phase: "Render", source: "Action.ShowCard", message: "no show card titled " + title });
    } else {
      button.click();
    }
  }

  return {
    errors: events.filter((e) => !ADVICE.has(e.kind)),
    advice: events.filter((e) => ADVICE.has(e.kind)),
  };
};
