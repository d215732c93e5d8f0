// Renders a timeline's grid off the page's thread (see prepareTimeline in timeline.js).
import { renderInWorker } from "./timeline.js";

self.onmessage = e => {
    try {
        const { answer, transfer } = renderInWorker(e.data);
        self.postMessage(answer, transfer);
    } catch (error) {
        self.postMessage({ error: String(error?.message ?? error) });
    }
};
