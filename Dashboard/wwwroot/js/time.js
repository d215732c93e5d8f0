// The snapshot selected for a run, shared by every view of that run: views on one page hear of a change at once
// (a window event), and a view opened later in the same tab starts at it (sessionStorage). Keyed by step, the one
// time axis every view has.
const key = run => `cnnvis.selected-step.${run}`;

export function selectedStep(run) {
    const value = sessionStorage.getItem(key(run));
    return value === null ? null : Number(value);
}

export function selectStep(run, step) {
    if (selectedStep(run) === step) return;
    sessionStorage.setItem(key(run), String(step));
    window.dispatchEvent(new CustomEvent("cnnvis:time", { detail: { run: String(run), step } }));
}

// Calls handler(step) whenever another view selects a time of this run; returns the function that stops listening.
export function onSelect(run, handler) {
    const listener = e => { if (e.detail.run === String(run)) handler(e.detail.step); };
    window.addEventListener("cnnvis:time", listener);
    return () => window.removeEventListener("cnnvis:time", listener);
}

// The index of the snapshot step nearest to step (-1 when there are none).
export function nearest(steps, step) {
    let best = -1;
    for (let i = 0; i < steps.length; i++) if (best < 0 || Math.abs(steps[i] - step) < Math.abs(steps[best] - step)) best = i;
    return best;
}

// The time under the pointer, shared the same way but not kept: hovering a chart lights the matching snapshot
// column in the grid and hovering the grid moves the charts' cursor there. step is null when the pointer left.
// source names the view that hovered, so a view can ignore its own echo.
const hovered = new Map();

export function hoverStep(run, step, source) {
    const key = String(run);
    if ((hovered.get(key) ?? null) === step) return;
    hovered.set(key, step);
    window.dispatchEvent(new CustomEvent("cnnvis:hover", { detail: { run: key, step, source } }));
}

export function hoveredStep(run) {
    return hovered.get(String(run)) ?? null;
}

// Calls handler(step, source) whenever a view of this run hovers a time (step null: none); returns the function that stops listening.
export function onHover(run, handler) {
    const listener = e => { if (e.detail.run === String(run)) handler(e.detail.step, e.detail.source); };
    window.addEventListener("cnnvis:hover", listener);
    return () => window.removeEventListener("cnnvis:hover", listener);
}

// A view that steps through time with ← → itself (the timeline grid) claims the keys while it lives, so the charts'
// own stepping (charts.js, for pages without a grid) stays out of its way; returns the function that lets go.
let keyClaims = 0;

export function claimKeys() {
    keyClaims++;
    let held = true;
    return () => { if (held) { held = false; keyClaims--; } };
}

export function keysClaimed() {
    return keyClaims > 0;
}
