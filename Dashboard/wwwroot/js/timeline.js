// The explanation timeline: probes as rows, snapshots as columns, one canvas, fed by one binary request per
// (run, method, target) whose layout TimelineEncoder.cs describes. New snapshots are fetched alone (?from=).
// The grid is rendered once per data, style or filter into an offscreen canvas; stepping through time (keys, the
// slider, play, a click on a chart of the same run) only copies it and draws the selected column over it.
// When the first complete draw is on screen the canvas gets data-drawn="true" and data-drawn-at (ms since navigation).
// The column under the pointer is the run's hovered time (time.js): the charts' cursor follows it, and a time
// hovered in a chart lights its column here.
import { classColor, colormap, fetchOk, right, sizeCanvas, wrong } from "./colors.js";
import { claimKeys, hoveredStep, hoverStep, nearest, onHover, onSelect, selectedStep, selectStep } from "./time.js";

const labelWidth = 150;
// Numbers the views on a page, so each knows its own hover events.
let views = 0;
const headerHeight = 36;

function parse(buffer) {
    const magic = String.fromCharCode(...new Uint8Array(buffer, 0, 4));
    if (magic !== "CVT2") throw new Error(`timeline data starts with '${magic}', not CVT2`);
    const [from, s, p, h, w, ic, ih, iw, k] = new Int32Array(buffer, 4, 9);
    let o = 40;
    const ints = n => { const a = new Int32Array(buffer, o, n); o += 4 * n; return a; };
    const floats = n => { const a = new Float32Array(buffer, o, n); o += 4 * n; return a; };
    const bytes = n => { const a = new Uint8Array(buffer, o, n); o += n; return a; };
    const seq = ints(s), epoch = ints(s), step = ints(s);
    const offset = floats(s * p), scale = floats(s * p), prob = floats(s * p);
    const pred = bytes(s * p), present = bytes(s * p);
    o = Math.ceil(o / 4) * 4;
    const labels = ints(p), ids = ints(p);
    const codes = new Uint8Array(buffer, o, s * p * h * w);
    o += s * p * h * w;
    const images = from === 0 ? new Uint8Array(buffer, o, p * ic * ih * iw) : null;
    const columns = [];
    for (let c = 0; c < s; c++) {
        const cells = [];
        for (let r = 0; r < p; r++) {
            const i = c * p + r;
            cells.push({
                present: present[i] === 1, offset: offset[i], scale: scale[i], prob: prob[i], pred: pred[i] === 255 ? -1 : pred[i],
                codes: codes.subarray(i * h * w, (i + 1) * h * w),
            });
        }
        columns.push({ seq: seq[c], epoch: epoch[c], step: step[c], cells });
    }
    return { from, probes: p, h, w, ic, ih, iw, classes: k, labels: [...labels], ids: [...ids], images, columns };
}

// The text, shortened with an ellipsis to fit the width in the context's current font.
function fit(g, text, width) {
    if (g.measureText(text).width <= width) return text;
    let n = text.length;
    while (n > 1 && g.measureText(text.slice(0, n) + "…").width > width) n--;
    return text.slice(0, n) + "…";
}

class TimelineView {
    constructor(canvas, large, controls, style, run) {
        this.canvas = canvas;
        this.large = large;
        this.controls = controls ?? {};
        this.style = style;
        this.run = run;
        this.data = null;
        this.url = null;
        this.selected = null;
        this.column = -1;
        this.thumbs = [];
        this.base = null;
        this.stats = null;
        this.timer = null;
        this.hoverColumn = -1;
        // A view made by prepareTimeline has no page canvas yet: it only renders the grid, at this width.
        if (!canvas) return;
        this.onKey = e => this.key(e);
        this.onClick = e => this.click(e);
        this.onPlay = () => this.togglePlay();
        this.onScrub = () => this.select(Number(this.controls.scrub.value), true);
        document.addEventListener("keydown", this.onKey);
        canvas.addEventListener("click", this.onClick);
        this.controls.play?.addEventListener("click", this.onPlay);
        this.controls.scrub?.addEventListener("input", this.onScrub);
        this.source = `grid-${++views}`;
        this.onMove = e => this.move(e);
        this.onLeave = () => this.hover(-1, true);
        canvas.addEventListener("mousemove", this.onMove);
        canvas.addEventListener("mouseleave", this.onLeave);
        const stopSelect = onSelect(run, step => {
            if (!this.data) return;
            const c = nearest(this.data.columns.map(col => col.step), step);
            if (c >= 0 && c !== this.column) this.select(c, false);
        });
        const stopHover = onHover(run, (step, from) => {
            if (from === this.source || !this.data) return;
            this.hover(step === null ? -1 : nearest(this.data.columns.map(col => col.step), step), false);
        });
        const releaseKeys = claimKeys();
        this.stopListening = () => { stopSelect(); stopHover(); releaseKeys(); };
    }

    async load(url) {
        this.url = url;
        // Where the time to the first draw goes (read by bench/ and tools): when the data was asked for (by the page
        // before its circuit was up, or by this view), how long fetching took, when this view asked for it, and how
        // long rendering the grid took (data-render-ms, set by renderBase).
        const viewAt = performance.now();
        const early = prepared.get(url);
        prepared.delete(url);
        let ready = null;
        try {
            ready = early ? await early : null;
        } catch {
            // The early request failed: ask again, and let that failure, if any, be the one reported.
        }
        if (!ready) {
            const asked = performance.now();
            const buffer = await fetchOk(url, "binary");
            ready = { asked, fetched: performance.now(), bytes: buffer.byteLength, data: parse(buffer) };
        }
        if (url !== this.url) return;
        const { data, asked, fetched, bytes } = ready;
        Object.assign(this.canvas.dataset, {
            loadStartedAt: asked.toFixed(1), fetchMs: (fetched - asked).toFixed(1), bytes, viewAt: viewAt.toFixed(1), preparedEarly: early ? "true" : "false",
        });
        this.data = data;
        this.thumbs = ready.thumbs ?? data.labels.map((_, r) => this.probeImage(r));
        this.changed();
        this.stats = ready.stats ?? null;
        // The grid rendered before the circuit was up serves if it was made for the same style and width.
        if (ready.base && ready.styleKey === styleKey(this.style) && ready.width === this.width()) {
            this.base = ready.base;
            this.canvas.dataset.renderMs = ready.renderMs.toFixed(1);
        } else if (early) {
            this.canvas.dataset.preparedEarly = "data only";
        }
        const step = selectedStep(this.run);
        if (this.column < 0 && step !== null) this.column = nearest(data.columns.map(c => c.step), step);
        this.column = Math.min(this.column, data.columns.length - 1);
        const hovered = hoveredStep(this.run);
        this.hoverColumn = hovered === null ? -1 : nearest(data.columns.map(c => c.step), hovered);
        this.draw();
    }

    async update() {
        if (!this.data || !this.url) return;
        const url = this.url;
        const more = parse(await fetchOk(`${url}&from=${this.data.columns.length}`, "binary"));
        if (url !== this.url) return;
        if (more.probes !== this.data.probes || more.from !== this.data.columns.length) return this.load(url);
        if (more.columns.length === 0) return;
        this.data.columns.push(...more.columns);
        this.changed();
        this.draw();
    }

    restyle(style) {
        this.style = style;
        this.base = null;
        this.draw();
    }

    dispose() {
        this.pause();
        this.stopListening();
        document.removeEventListener("keydown", this.onKey);
        this.canvas.removeEventListener("click", this.onClick);
        this.canvas.removeEventListener("mousemove", this.onMove);
        this.canvas.removeEventListener("mouseleave", this.onLeave);
        this.controls.play?.removeEventListener("click", this.onPlay);
        this.controls.scrub?.removeEventListener("input", this.onScrub);
    }

    // New data: what the filters and the grid are made from must be worked out again.
    changed() {
        this.base = null;
        this.stats = null;
    }

    // The probe as a person sees it, at the map's resolution, as RGB.
    probeImage(r) {
        const d = this.data;
        const out = new Uint8ClampedArray(d.h * d.w * 3);
        if (!d.images || d.ih === 0) return out;
        const plane = d.ih * d.iw, base = r * d.ic * plane;
        for (let y = 0; y < d.h; y++) {
            for (let x = 0; x < d.w; x++) {
                const sy = Math.floor((y * d.ih) / d.h), sx = Math.floor((x * d.iw) / d.w);
                for (let c = 0; c < 3; c++) out[(y * d.w + x) * 3 + c] = d.images[base + Math.min(c, d.ic - 1) * plane + sy * d.iw + sx];
            }
        }
        return out;
    }

    // Per probe: whether its prediction was right and later wrong, and (only when asked for: it reads every code)
    // how much its map moved between consecutive snapshots (mean absolute change of the map scaled to its own range,
    // summed over time).
    probeStats(withDrift = false) {
        const d = this.data, n = d.h * d.w;
        this.stats ??= d.labels.map((label, r) => {
            let wasRight = false, flipped = false;
            for (const col of d.columns) {
                const pred = col.cells[r].pred;
                if (pred < 0) continue;
                if (pred === label) wasRight = true;
                else if (wasRight) flipped = true;
            }
            return { flipped, drift: null };
        });
        if (withDrift && this.stats.length > 0 && this.stats[0].drift === null) {
            this.stats.forEach((stat, r) => {
                let drift = 0, previous = null;
                for (const col of d.columns) {
                    const cell = col.cells[r];
                    if (!cell.present) continue;
                    if (previous && n > 0) {
                        let sum = 0;
                        const a = cell.codes, b = previous.codes;
                        for (let i = 0; i < n; i++) sum += Math.abs(a[i] - b[i]);
                        drift += sum / (n * 255);
                    }
                    previous = cell;
                }
                stat.drift = drift;
            });
        }
        return this.stats;
    }

    // The probes shown, in order, after the filters: a class, "prediction flipped", or the quarter with most drift.
    rows() {
        const d = this.data, stats = this.probeStats(this.style.filter === "drift");
        let rows = d.labels.map((_, r) => r);
        const cls = this.style.classFilter ?? -1;
        if (cls >= 0) rows = rows.filter(r => d.labels[r] === cls);
        if (this.style.filter === "flipped") rows = rows.filter(r => stats[r].flipped);
        if (this.style.filter === "drift") rows = rows.sort((a, b) => stats[b].drift - stats[a].drift).slice(0, Math.max(4, Math.ceil(d.probes / 4)));
        return rows;
    }

    ranges() {
        const d = this.data, mode = this.style.normalisation;
        const lo = (cell) => cell.offset, hi = (cell) => cell.offset + 255 * cell.scale;
        const rows = d.labels.map((_, r) => {
            let a = Infinity, b = -Infinity;
            for (const col of d.columns) {
                const cell = col.cells[r];
                if (!cell.present) continue;
                a = Math.min(a, lo(cell)); b = Math.max(b, hi(cell));
            }
            return [a, b];
        });
        const all = rows.reduce(([a, b], [c, e]) => [Math.min(a, c), Math.max(b, e)], [Infinity, -Infinity]);
        return (r, cell) => mode === "row" ? rows[r] : mode === "global" ? all : [lo(cell), hi(cell)];
    }

    // Per colour level k: the map's opacity over the probe, and the colour already weighted by it. Low values let
    // the image show through, so the map reads as a highlight on the probe. Also as integers for the grid's fast path:
    // w[k] = 256 × (1 − opacity), rgb[k] = 256 × opacity × colour.
    blend() {
        const key = `${this.style.colormap}|${this.style.opacity}`;
        if (this.blendKey === key) return this.blendTable;
        const table = colormap(this.style.colormap), alpha = this.style.opacity;
        const a = new Float32Array(256), c = new Float32Array(256 * 3);
        const w = new Int32Array(256), r = new Int32Array(256), g = new Int32Array(256), b = new Int32Array(256);
        for (let k = 0; k < 256; k++) {
            a[k] = alpha * (0.35 + 0.65 * (k / 255));
            for (let j = 0; j < 3; j++) c[k * 3 + j] = a[k] * table[k * 3 + j];
            const A = Math.round(a[k] * 256);
            w[k] = 256 - A;
            r[k] = A * table[k * 3];
            g[k] = A * table[k * 3 + 1];
            b[k] = A * table[k * 3 + 2];
        }
        this.blendKey = key;
        this.blendTable = { a, c, w, r, g, b };
        return this.blendTable;
    }

    // The map over its probe into the pixels px of an image `stride` pixels wide, its top left corner at (ox, oy).
    paintCell(px, stride, ox, oy, r, cell, range) {
        const d = this.data, w = d.w, h = d.h;
        const { a, c } = this.blend();
        const under = this.thumbs[r];
        const [lo, hi] = range;
        const span = hi > lo ? hi - lo : 1;
        // The cell's 256 codes to colour levels once, instead of per pixel.
        const level = new Uint8Array(256);
        for (let code = 0; code < 256; code++) level[code] = Math.round(Math.min(1, Math.max(0, (cell.offset + code * cell.scale - lo) / span)) * 255);
        const codes = cell.codes;
        for (let y = 0; y < h; y++) {
            let o = ((oy + y) * stride + ox) * 4, i = y * w;
            for (let x = 0; x < w; x++, i++, o += 4) {
                const k = level[codes[i]], keep = 1 - a[k], u = i * 3, t = k * 3;
                px[o] = keep * under[u] + c[t];
                px[o + 1] = keep * under[u + 1] + c[t + 1];
                px[o + 2] = keep * under[u + 2] + c[t + 2];
                px[o + 3] = 255;
            }
        }
    }

    // The grid's version of paintCell: whole pixels (little-endian RGBA words) in integer arithmetic, with the level
    // table left out when it is the identity (per-map normalisation, the default).
    paintCellFast(out, stride, ox, oy, r, cell, range, level) {
        const d = this.data, w = d.w, h = d.h;
        const { w: keep, r: R, g: G, b: B } = this.blend();
        const under = this.thumbs[r];
        const [lo, hi] = range;
        const identity = lo === cell.offset && hi === cell.offset + 255 * cell.scale;
        if (!identity) {
            const span = hi > lo ? hi - lo : 1;
            for (let code = 0; code < 256; code++) level[code] = Math.round(Math.min(1, Math.max(0, (cell.offset + code * cell.scale - lo) / span)) * 255);
        }
        const codes = cell.codes;
        for (let y = 0; y < h; y++) {
            let o = (oy + y) * stride + ox, i = y * w;
            for (let x = 0; x < w; x++, i++, o++) {
                const k = identity ? codes[i] : level[codes[i]], m = keep[k], u = i * 3;
                out[o] = 0xff000000 | (((m * under[u + 2] + B[k]) >> 8) << 16) | (((m * under[u + 1] + G[k]) >> 8) << 8) | ((m * under[u] + R[k]) >> 8);
            }
        }
    }

    // A small canvas of its own holding one cell (for the enlarged view).
    cellImage(r, cell, range) {
        const d = this.data;
        const image = new ImageData(Math.max(1, d.w), Math.max(1, d.h));
        this.paintCell(image.data, d.w, 0, 0, r, cell, range);
        const off = document.createElement("canvas");
        off.width = image.width;
        off.height = image.height;
        off.getContext("2d").putImageData(image, 0, 0);
        return off;
    }

    // Cell size and pitches. The gaps between cells are whole pixels of the map's own resolution (gx, gy), so the
    // whole grid of cells is one image scaled by size / map side (see renderBase); the pitches may be fractional.
    // The width the grid has on the page (the scroller's).
    width() {
        return this.fixedWidth ?? this.canvas.parentElement?.clientWidth ?? 1200;
    }

    layout() {
        const d = this.data;
        const avail = this.width() - labelWidth - 8;
        const size = Math.max(40, Math.min(76, Math.floor(avail / Math.max(1, d.columns.length)) - 4));
        const mw = Math.max(1, d.w), mh = Math.max(1, d.h);
        const gx = Math.max(1, Math.round((4 * mw) / size)), gy = Math.max(1, Math.round((6 * mh) / size));
        return { size, pitch: ((mw + gx) * size) / mw, rowPitch: ((mh + gy) * size) / mh, gx, gy };
    }

    // The whole grid (labels, thumbnails, every cell and its marks) into an offscreen canvas.
    renderBase(rows, width, height, layout) {
        const started = performance.now();
        const d = this.data, { size, pitch, rowPitch } = layout;
        // Also runs in a worker (prepareTimeline): no document there, an OffscreenCanvas instead, the page's pixel ratio given.
        const ratio = this.pixelRatio ?? (globalThis.devicePixelRatio || 1);
        const base = newCanvas(Math.max(1, Math.round(width * ratio)), Math.max(1, Math.round(height * ratio)));
        const g = base.getContext("2d");
        g.setTransform(ratio, 0, 0, ratio, 0, 0);
        g.fillStyle = "#fafbfc";
        g.fillRect(0, 0, width, height);
        g.imageSmoothingEnabled = true;
        const range = this.ranges();
        const names = this.style.classNames ?? [];
        const stats = this.probeStats(this.style.filter === "drift");
        // Every cell at the map's own resolution, laid out as on screen with gaps of gx × gy map pixels, in one image
        // put once and drawn scaled in one call: per-cell drawImage calls would cost more than the pixels. The
        // thumbnails go into a second, narrow image.
        const mw = Math.max(1, d.w), mh = Math.max(1, d.h), { gx, gy } = layout;
        const cellsImage = new ImageData(Math.max(1, d.columns.length * (mw + gx) - gx), Math.max(1, rows.length * (mh + gy) - gy));
        const words = new Uint32Array(cellsImage.data.buffer);
        words.fill(0xfffcfbfa);
        const thumbsImage = new ImageData(mw, Math.max(1, rows.length) * mh);
        const level = new Uint8Array(256);
        rows.forEach((r, k) => {
            this.paintThumb(thumbsImage.data, mw, 0, k * mh, r);
            d.columns.forEach((col, c) => {
                if (col.cells[r].present) this.paintCellFast(words, cellsImage.width, c * (mw + gx), k * (mh + gy), r, col.cells[r], range(r, col.cells[r]), level);
            });
        });
        const image = (data) => {
            const off = newCanvas(data.width, data.height);
            off.getContext("2d").putImageData(data, 0, 0);
            return off;
        };
        const thumbs = image(thumbsImage);
        g.drawImage(image(cellsImage), labelWidth, headerHeight, (cellsImage.width * size) / mw, (cellsImage.height * size) / mh);

        g.font = "11px system-ui, sans-serif";
        g.fillStyle = "#4a5366";
        g.textBaseline = "alphabetic";
        g.fillText("epoch · step", 8, 16);
        d.columns.forEach((col, c) => {
            const x = labelWidth + c * pitch;
            g.fillStyle = "#4a5366";
            g.font = "600 11px system-ui, sans-serif";
            g.fillText(`e${col.epoch}`, x + 2, 14);
            g.font = "10px system-ui, sans-serif";
            g.fillText(`${col.step}`, x + 2, 28);
        });

        let drawn = 0;
        // The right/wrong frames and the empty cells' outlines, gathered and stroked by colour: changing the stroke
        // style per cell costs more than the drawing.
        const frames = { [right]: [], [wrong]: [] }, empty = [];
        rows.forEach((r, k) => {
            const y = headerHeight + k * rowPitch;
            const label = d.labels[r];
            g.fillStyle = classColor(label);
            g.fillRect(0, y, 5, size);
            g.drawImage(thumbs, 0, k * mh, mw, mh, 10, y, size, size);
            g.fillStyle = classColor(label);
            g.font = "600 12px system-ui, sans-serif";
            g.fillText(fit(g, names[label] ?? `class ${label}`, labelWidth - 20 - size), 16 + size, y + 14);
            g.fillStyle = "#6b7487";
            g.font = "10px system-ui, sans-serif";
            g.fillText(`probe ${d.ids[r]}`, 16 + size, y + 28);
            if (this.style.filter === "drift") g.fillText(`drift ${stats[r].drift.toFixed(2)}`, 16 + size, y + 41);
            else if (stats[r].flipped) g.fillText("flipped", 16 + size, y + 41);
            d.columns.forEach((col, c) => {
                const cell = col.cells[r];
                const x = labelWidth + c * pitch;
                if (!cell.present) {
                    empty.push(x, y);
                    return;
                }
                drawn++;
                if (cell.pred >= 0) frames[cell.pred === label ? right : wrong].push(x, y);
            });
        });
        g.strokeStyle = "#d5d9e2";
        g.lineWidth = 1;
        for (let i = 0; i < empty.length; i += 2) g.strokeRect(empty[i] + 0.5, empty[i + 1] + 0.5, size - 1, size - 1);
        g.lineWidth = 2.5;
        for (const [colour, at] of Object.entries(frames)) {
            g.strokeStyle = colour;
            for (let i = 0; i < at.length; i += 2) g.strokeRect(at[i] + 1.25, at[i + 1] + 1.25, size - 2.5, size - 2.5);
        }
        g.lineWidth = 1;
        // The true-class probabilities in a second pass, with one font and one measured width ("0.00" is as wide as
        // any): setting fonts and measuring per cell costs more than drawing the cells.
        g.font = "600 10px system-ui, sans-serif";
        const tw = g.measureText("0.00").width + 4;
        g.fillStyle = "rgba(20, 24, 32, 0.72)";
        rows.forEach((r, k) => d.columns.forEach((col, c) => {
            if (col.cells[r].present && !Number.isNaN(col.cells[r].prob)) g.fillRect(labelWidth + c * pitch + size - tw - 3, headerHeight + k * rowPitch + size - 15, tw, 12);
        }));
        g.fillStyle = "#fff";
        rows.forEach((r, k) => d.columns.forEach((col, c) => {
            const cell = col.cells[r];
            if (cell.present && !Number.isNaN(cell.prob)) g.fillText(cell.prob.toFixed(2), labelWidth + c * pitch + size - tw - 1, headerHeight + k * rowPitch + size - 5);
        }));
        if (rows.length === 0) {
            g.fillStyle = "#6b7487";
            g.font = "13px system-ui, sans-serif";
            g.fillText("No probe matches the filters.", 16, headerHeight + 24);
        }
        this.renderMs = performance.now() - started;
        if (this.canvas) this.canvas.dataset.renderMs = this.renderMs.toFixed(1);
        return { canvas: base, rows, width, height, layout, drawn, ratio };
    }

    // The grid as it must look now, rendered again only when the data, the style, the filters or the size changed.
    ensureBase() {
        const d = this.data;
        const layout = this.layout();
        const { size, pitch, rowPitch } = layout;
        const rows = this.rows();
        const width = labelWidth + d.columns.length * pitch + 8;
        const height = headerHeight + Math.max(1, rows.length) * rowPitch + 4;
        if (!this.base || this.base.width !== width || this.base.height !== height || this.base.layout.size !== size) {
            this.base = this.renderBase(rows, width, height, layout);
        }
        return this.base;
    }

    draw() {
        const started = performance.now();
        const d = this.data;
        if (!d) return;
        const { rows, layout } = this.ensureBase();
        const { size, pitch, rowPitch } = layout;
        this.paint();
        this.canvas.dataset.cells = this.base.drawn;
        // Where the cells are, for tests and tools: the label column, header, cell size and pitches.
        this.canvas.dataset.geometry = [labelWidth, headerHeight, size, pitch, rowPitch].join(",");
        this.canvas.dataset.probes = d.probes;
        this.canvas.dataset.rows = rows.length;
        this.canvas.dataset.rowIds = rows.map(r => d.ids[r]).join(",");
        this.canvas.dataset.snapshots = d.columns.length;
        this.canvas.dataset.column = this.column;
        this.canvas.dataset.drawMs = (performance.now() - started).toFixed(1);
        this.updateControls();
        this.drawLarge();
        if (this.canvas.dataset.drawn !== "true") {
            // After the browser has painted this frame: the grid is on screen, not only in the canvas's buffer.
            requestAnimationFrame(() => {
                this.canvas.dataset.drawnAt = performance.now().toFixed(1);
                this.canvas.dataset.drawn = "true";
            });
        }
    }

    // The rendered grid onto the page's canvas, the hovered and the selected time over it.
    paint() {
        const { width, height, layout, rows } = this.base;
        const { size, pitch, rowPitch } = layout;
        const g = this.canvas.width === Math.max(1, Math.round(width * this.base.ratio)) && this.canvas.height === Math.max(1, Math.round(height * this.base.ratio))
            ? this.canvas.getContext("2d") : sizeCanvas(this.canvas, width, height);
        g.drawImage(this.base.canvas, 0, 0, width, height);

        // The hovered time: a light band over the header and a thin frame around the column.
        if (this.hoverColumn >= 0 && this.hoverColumn !== this.column) {
            const x = labelWidth + this.hoverColumn * pitch - 2;
            g.fillStyle = "rgba(29, 79, 134, 0.10)";
            g.fillRect(x, 0, pitch, headerHeight - 2);
            g.strokeStyle = "rgba(29, 79, 134, 0.55)";
            g.lineWidth = 1;
            g.strokeRect(x + 0.5, 0.5, pitch - 1, height - 1);
        }
        this.canvas.dataset.hoverColumn = this.hoverColumn;

        // The selected time, over the grid: a band over the header and a frame around the column.
        if (this.column >= 0) {
            const x = labelWidth + this.column * pitch - 2;
            g.fillStyle = "rgba(29, 79, 134, 0.16)";
            g.fillRect(x, 0, pitch, headerHeight - 2);
            g.strokeStyle = "#1d4f86";
            g.lineWidth = 2;
            g.strokeRect(x + 1, 1, pitch - 2, height - 2);
            g.lineWidth = 1;
        }
        if (this.selected) {
            const k = rows.indexOf(this.selected.row);
            if (k >= 0) {
                const x = labelWidth + this.selected.col * pitch, y = headerHeight + k * rowPitch;
                g.strokeStyle = "#1d4f86";
                g.lineWidth = 2;
                g.strokeRect(x - 2, y - 2, size + 4, size + 4);
                g.lineWidth = 1;
            }
        }
    }

    // The pointer over the grid: its column is the run's hovered time.
    move(event) {
        const at = this.hit(event);
        this.hover(at ? at.col : -1, true);
    }

    // Lights column c (-1: none), at most once per frame; share=true tells the run's other views.
    hover(c, share) {
        if (!this.data || c === this.hoverColumn) return;
        this.hoverColumn = c;
        if (share) hoverStep(this.run, c >= 0 ? this.data.columns[c].step : null, this.source);
        if (this.hoverFrame) return;
        this.hoverFrame = requestAnimationFrame(() => {
            this.hoverFrame = 0;
            if (this.base) this.paint();
        });
    }

    paintThumb(px, stride, ox, oy, r) {
        const d = this.data, under = this.thumbs[r];
        for (let y = 0; y < d.h; y++) {
            for (let x = 0; x < d.w; x++) {
                const i = y * d.w + x, o = ((oy + y) * stride + ox + x) * 4;
                px[o] = under[i * 3];
                px[o + 1] = under[i * 3 + 1];
                px[o + 2] = under[i * 3 + 2];
                px[o + 3] = 255;
            }
        }
    }

    updateControls() {
        const { scrub, label, play } = this.controls;
        const n = this.data.columns.length;
        if (scrub) {
            scrub.max = String(Math.max(0, n - 1));
            scrub.value = String(Math.max(0, this.column));
            scrub.disabled = n < 2;
        }
        if (label) {
            const col = this.data.columns[this.column];
            label.textContent = col ? `snapshot ${col.seq} · epoch ${col.epoch} · step ${col.step}` : "no snapshot selected";
        }
        if (play) {
            play.textContent = this.timer ? "❚❚ Pause" : "▶ Play";
            play.disabled = n < 2;
            play.dataset.playing = this.timer ? "true" : "false";
        }
    }

    // Selects a snapshot column (from a click, a key, the slider or play); share=true tells the run's other views.
    select(c, share) {
        if (!this.data || c < 0 || c >= this.data.columns.length) return;
        this.column = c;
        if (this.selected) this.selected = { row: this.selected.row, col: c };
        this.draw();
        if (share) selectStep(this.run, this.data.columns[c].step);
    }

    togglePlay() {
        if (this.timer) return this.pause();
        if (!this.data || this.data.columns.length < 2) return;
        if (this.column < 0 || this.column >= this.data.columns.length - 1) this.select(0, true);
        this.timer = setInterval(() => {
            if (this.column >= this.data.columns.length - 1) return this.pause();
            this.select(this.column + 1, true);
        }, 500);
        this.updateControls();
    }

    pause() {
        if (this.timer) clearInterval(this.timer);
        this.timer = null;
        if (this.data) this.updateControls();
    }

    hit(event) {
        const d = this.data;
        if (!d) return null;
        const rect = this.canvas.getBoundingClientRect();
        const x = event.clientX - rect.left, y = event.clientY - rect.top;
        const { size, pitch, rowPitch } = this.layout();
        const rows = this.rows();
        const col = Math.floor((x - labelWidth) / pitch);
        if (col < 0 || col >= d.columns.length) return null;
        if (y < headerHeight) return { row: -1, col };
        const k = Math.floor((y - headerHeight) / rowPitch);
        if (k < 0 || k >= rows.length || (y - headerHeight) % rowPitch > size) return { row: -1, col };
        return { row: rows[k], col };
    }

    click(event) {
        const at = this.hit(event);
        if (!at) return;
        this.selected = at.row >= 0 ? at : null;
        this.select(at.col, true);
    }

    key(event) {
        if (!this.data || ["INPUT", "SELECT", "TEXTAREA"].includes(event.target?.tagName)) return;
        const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
        if (event.key === "Escape" && this.selected) {
            this.selected = null;
            this.draw();
            return;
        }
        if (step === 0) return;
        event.preventDefault();
        this.pause();
        const last = this.data.columns.length - 1;
        this.select(Math.max(0, Math.min(last, (this.column < 0 ? (step > 0 ? -1 : last + 1) : this.column) + step)), true);
    }

    // The chosen cell large, its neighbours in time beneath it.
    drawLarge() {
        const d = this.data, s = this.selected;
        if (!s || s.row >= d.probes || s.col >= d.columns.length) {
            const hint = document.createElement("p");
            hint.className = "large-hint";
            hint.textContent = "Click a cell to see it large, beside its neighbours in time. ← → step through the snapshots, Esc closes.";
            this.large.replaceChildren(hint);
            this.large.dataset.open = "false";
            return;
        }
        const names = this.style.classNames ?? [];
        const range = this.ranges();
        const label = d.labels[s.row];
        const col = d.columns[s.col];
        const cell = col.cells[s.row];
        const title = document.createElement("div");
        title.className = "large-title";
        const predicted = cell.pred >= 0 ? (names[cell.pred] ?? `class ${cell.pred}`) : "unknown";
        const verdict = cell.pred < 0 ? "" : cell.pred === label ? " (right)" : " (wrong)";
        const head = document.createElement("b");
        head.textContent = `probe ${d.ids[s.row]} · ${names[label] ?? label} · snapshot ${col.seq}`;
        head.style.color = classColor(label);
        title.append(head, document.createElement("br"),
            `epoch ${col.epoch}, step ${col.step} · predicted ${predicted}${verdict}` + (Number.isNaN(cell.prob) ? "" : ` · p(true) = ${cell.prob.toFixed(3)}`));
        const figure = (c, px) => {
            const other = d.columns[c].cells[s.row];
            const box = document.createElement("figure");
            const canvas = document.createElement("canvas");
            const g = sizeCanvas(canvas, px, px);
            g.imageSmoothingEnabled = true;
            if (other.present) g.drawImage(this.cellImage(s.row, other, range(s.row, other)), 0, 0, px, px);
            if (other.pred >= 0) {
                g.strokeStyle = other.pred === label ? right : wrong;
                g.lineWidth = px > 100 ? 4 : 2.5;
                g.strokeRect(g.lineWidth / 2, g.lineWidth / 2, px - g.lineWidth, px - g.lineWidth);
            }
            const caption = document.createElement("figcaption");
            caption.textContent = px > 100 ? `${this.methodName()}` : `e${d.columns[c].epoch}·${d.columns[c].step}` + (Number.isNaN(other.prob) ? "" : ` ${other.prob.toFixed(2)}`);
            box.append(canvas, caption);
            if (px <= 100) box.addEventListener("click", () => { this.selected = { row: s.row, col: c }; this.select(c, true); });
            return box;
        };
        const row = document.createElement("div");
        row.className = "large-row";
        for (const c of [s.col - 2, s.col - 1, s.col + 1, s.col + 2]) {
            if (c >= 0 && c < d.columns.length) row.appendChild(figure(c, 70));
        }
        const company = document.createElement("div");
        company.className = "large-company";
        this.large.replaceChildren(title, figure(s.col, 220), row, company);
        this.large.dataset.open = "true";
        this.showCompany(company, s.row, s.col);
    }

    // Beneath the enlarged cell: the other methods' maps of the same probe at the same snapshot, and the Grad-CAM
    // channel weights behind it, from one small request per cell (kept: a snapshot's maps never change).
    async showCompany(box, row, col) {
        const d = this.data, seq = d.columns[col].seq, probe = d.ids[row];
        const key = `${seq}|${probe}`;
        this.details ??= new Map();
        if (!this.details.has(key)) this.details.set(key, fetchOk(`/api/runs/${this.run}/cell?snapshot=${seq}&probe=${probe}`, "json"));
        let detail;
        try {
            detail = await this.details.get(key);
        } catch (e) {
            this.details.delete(key);
            box.textContent = `The other methods could not be read: ${e.message}`;
            return;
        }
        if (!box.isConnected || this.data !== d) return;
        const [method, target] = this.kind();
        const others = detail.maps.filter(m => !(m.method === method && m.target === target));
        const heading = document.createElement("div");
        heading.className = "large-heading";
        heading.textContent = others.length ? "Other methods at this snapshot" : "No other method at this snapshot";
        const figures = document.createElement("div");
        figures.className = "large-others";
        for (const m of others) {
            const box = document.createElement("figure");
            const canvas = document.createElement("canvas");
            const g = sizeCanvas(canvas, 70, 70);
            g.imageSmoothingEnabled = true;
            g.drawImage(this.otherImage(row, m), 0, 0, 70, 70);
            const caption = document.createElement("figcaption");
            caption.textContent = `${m.method} · ${m.target}`;
            box.append(canvas, caption);
            figures.appendChild(box);
        }
        figures.dataset.methods = others.length;
        box.replaceChildren(heading, figures);
        const weights = detail.channelWeights.find(w => w.target === target) ?? detail.channelWeights[0];
        if (weights) box.append(...this.weightChart(weights));
    }

    // The (method, target) the grid shows.
    kind() {
        const match = /method=([^&]*)&target=([^&]*)/.exec(this.url ?? "");
        return match ? [decodeURIComponent(match[1]), decodeURIComponent(match[2])] : ["", ""];
    }

    // Another method's map (8-bit codes, base64) over the probe, on its own range, in the chosen colormap.
    otherImage(r, m) {
        const d = this.data, { a, c } = this.blend(), under = this.thumbs[r];
        const codes = Uint8Array.from(atob(m.codes), ch => ch.charCodeAt(0));
        const image = new ImageData(Math.max(1, m.width), Math.max(1, m.height));
        const px = image.data;
        for (let y = 0; y < m.height; y++) {
            const uy = Math.floor((y * d.h) / m.height);
            for (let x = 0; x < m.width; x++) {
                const i = y * m.width + x, k = codes[i], keep = 1 - a[k], t = k * 3;
                const u = (uy * d.w + Math.floor((x * d.w) / m.width)) * 3;
                px[i * 4] = keep * (under[u] ?? 0) + c[t];
                px[i * 4 + 1] = keep * (under[u + 1] ?? 0) + c[t + 1];
                px[i * 4 + 2] = keep * (under[u + 2] ?? 0) + c[t + 2];
                px[i * 4 + 3] = 255;
            }
        }
        const off = document.createElement("canvas");
        off.width = image.width;
        off.height = image.height;
        off.getContext("2d").putImageData(image, 0, 0);
        return off;
    }

    // The channel weights as bars around zero (positive up, negative down), the strongest channels named.
    weightChart(w) {
        const heading = document.createElement("div");
        heading.className = "large-heading";
        heading.textContent = `Grad-CAM channel weights · ${w.layer} · ${w.weights.length} channels`;
        const canvas = document.createElement("canvas");
        const width = 296, height = 56;
        const g = sizeCanvas(canvas, width, height);
        const n = w.weights.length, most = Math.max(1e-12, ...w.weights.map(Math.abs));
        const zero = height / 2, bar = width / Math.max(1, n);
        g.fillStyle = "#fff";
        g.fillRect(0, 0, width, height);
        w.weights.forEach((v, k) => {
            const h = (Math.abs(v) / most) * (height / 2 - 2);
            g.fillStyle = v >= 0 ? "#1d4f86" : "#d95f02";
            g.fillRect(k * bar, v >= 0 ? zero - h : zero, Math.max(1, bar - (bar > 3 ? 1 : 0)), Math.max(h, 0.5));
        });
        g.strokeStyle = "#9aa3b5";
        g.beginPath();
        g.moveTo(0, zero + 0.5);
        g.lineTo(width, zero + 0.5);
        g.stroke();
        canvas.className = "weights";
        canvas.dataset.channels = n;
        canvas.dataset.layer = w.layer;
        const top = w.weights.map((v, k) => [v, k]).sort((x, y) => y[0] - x[0]).slice(0, 3);
        const note = document.createElement("div");
        note.className = "large-note";
        note.textContent = `strongest: ${top.map(([v, k]) => `#${k} (${v.toPrecision(2)})`).join(", ")} · blue: raises the class score, orange: lowers it`;
        return [heading, canvas, note];
    }

    methodName() {
        const [method, target] = this.kind();
        return method ? `${method} · ${target}` : "";
    }
}

export function createTimeline(canvas, large, controls, style, run) {
    return new TimelineView(canvas, large, controls, style, run);
}

// What matters of a style for the rendered grid.
function styleKey(style) {
    return JSON.stringify([style.colormap, style.normalisation, style.opacity, style.filter, style.classFilter ?? -1, style.classNames ?? []]);
}

// Timelines asked for before their view exists (by prefetch.js, while the circuit starts), by URL: a promise of the
// parsed data, the probe images, and the grid rendered for the given style and width.
const prepared = new Map();

export function prepareTimeline(url, style, width) {
    if (prepared.has(url)) return;
    const ratio = window.devicePixelRatio || 1;
    const ready = typeof Worker !== "undefined" && typeof OffscreenCanvas !== "undefined"
        ? inWorker(url, style, width, ratio).catch(() => onThisThread(url, style, width, ratio))
        : onThisThread(url, style, width, ratio);
    // A failure is the view's to report (it asks again): not an unhandled rejection while nobody waits yet.
    ready.catch(() => { });
    prepared.set(url, ready);
}

// A canvas to render into, on the page or in a worker.
function newCanvas(width, height) {
    if (typeof document === "undefined") return new OffscreenCanvas(width, height);
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    return canvas;
}

// Renders the grid in a worker (timeline-worker.js), so the page's thread stays free for the circuit starting
// meanwhile: the data is fetched here while the worker starts, lent to it, and comes back with the grid as an
// ImageBitmap.
async function inWorker(url, style, width, ratio) {
    const worker = new Worker(new URL("./timeline-worker.js", import.meta.url), { type: "module" });
    try {
        const answered = new Promise((resolve, reject) => {
            worker.onmessage = e => resolve(e.data);
            worker.onerror = e => reject(new Error(e.message));
        });
        const asked = performance.now();
        const bytes = await fetchOk(url, "binary");
        const fetched = performance.now();
        worker.postMessage({ buffer: bytes, style, width, ratio }, [bytes]);
        const answer = await answered;
        if (answer.error) throw new Error(answer.error);
        const view = new TimelineView(null, null, null, style, null);
        view.data = parse(answer.buffer);
        view.thumbs = view.data.labels.map((_, r) => view.probeImage(r));
        const base = { ...answer.base, canvas: answer.bitmap };
        return {
            asked, fetched, bytes: answer.buffer.byteLength, data: view.data, thumbs: view.thumbs, stats: null,
            base, renderMs: answer.renderMs, styleKey: styleKey(style), width,
        };
    } finally {
        worker.terminate();
    }
}

async function onThisThread(url, style, width, ratio) {
    const asked = performance.now();
    const buffer = await fetchOk(url, "binary");
    const fetched = performance.now();
    const view = new TimelineView(null, null, null, style, null);
    view.fixedWidth = width;
    view.pixelRatio = ratio;
    view.data = parse(buffer);
    view.thumbs = view.data.labels.map((_, r) => view.probeImage(r));
    // Rendering waits for a frame, so the page shows itself first.
    await new Promise(resolve => requestAnimationFrame(() => setTimeout(resolve, 0)));
    const base = view.ensureBase();
    return { asked, fetched, bytes: buffer.byteLength, data: view.data, thumbs: view.thumbs, stats: view.stats, base, renderMs: view.renderMs, styleKey: styleKey(style), width };
}

// The worker's side of inWorker: parse and render; answers with the bytes, the grid as an ImageBitmap and the grid's
// geometry, all transferred.
export function renderInWorker({ buffer, style, width, ratio }) {
    const view = new TimelineView(null, null, null, style, null);
    view.fixedWidth = width;
    view.pixelRatio = ratio;
    view.data = parse(buffer);
    view.thumbs = view.data.labels.map((_, r) => view.probeImage(r));
    const { canvas, ...base } = view.ensureBase();
    const bitmap = canvas.transferToImageBitmap();
    return { answer: { buffer, bitmap, base, renderMs: view.renderMs }, transfer: [buffer, bitmap] };
}
