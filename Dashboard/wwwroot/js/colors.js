// Colours shared by every canvas view. The class palette matches ClassColors.cs; red and green mean wrong and right.
export const classColors = ["#4e79a7", "#f28e2b", "#b07aa1", "#76b7b2", "#9c755f", "#ff9da7", "#edc948", "#79706e", "#bcbd22", "#17becf"];
export const right = "#2e9e48";
export const wrong = "#d7263d";

export function classColor(label) {
    const n = classColors.length;
    return classColors[((label % n) + n) % n];
}

// Colormaps as a few control points, expanded to 256-entry RGB tables once.
const stops = {
    inferno: [[0, 0, 4], [40, 11, 84], [101, 21, 110], [159, 42, 99], [212, 72, 66], [245, 125, 21], [250, 193, 39], [252, 255, 164]],
    viridis: [[68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142], [31, 158, 137], [53, 183, 121], [110, 206, 88], [181, 222, 43], [253, 231, 37]],
    coolwarm: [[59, 76, 192], [124, 159, 249], [192, 212, 245], [242, 203, 183], [238, 132, 104], [180, 4, 38]],
    gray: [[0, 0, 0], [255, 255, 255]],
};
const tables = {};

export function colormap(name) {
    if (tables[name]) return tables[name];
    const points = stops[name] ?? stops.inferno;
    const table = new Uint8ClampedArray(256 * 3);
    for (let i = 0; i < 256; i++) {
        const x = (i / 255) * (points.length - 1);
        const k = Math.min(points.length - 2, Math.floor(x));
        const t = x - k;
        for (let c = 0; c < 3; c++) table[i * 3 + c] = points[k][c] + (points[k + 1][c] - points[k][c]) * t;
    }
    tables[name] = table;
    return table;
}

// A canvas sized in CSS pixels, drawn at the screen's pixel density.
export function sizeCanvas(canvas, width, height) {
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, Math.round(width * ratio));
    canvas.height = Math.max(1, Math.round(height * ratio));
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    const g = canvas.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    return g;
}

export async function fetchOk(url, kind) {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
    return kind === "json" ? response.json() : response.arrayBuffer();
}
