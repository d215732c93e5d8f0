// Runs as soon as the server-rendered page is parsed, before the Blazor circuit is up (which takes a few hundred
// milliseconds): a timeline canvas that names its data (data-src, data-style) has it fetched and its grid rendered
// now, so the interactive page only has to put it on screen.
import { prepareTimeline } from "./timeline.js";

const canvas = document.querySelector("canvas#timeline[data-src]");
if (canvas) {
    try {
        prepareTimeline(canvas.dataset.src, JSON.parse(canvas.dataset.style), canvas.parentElement?.clientWidth ?? 1200);
    } catch (e) {
        // Only a head start: the view asks again when it starts.
        console.warn("timeline prefetch skipped:", e);
    }
}
