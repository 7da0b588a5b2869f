/**
 * PNG of a chart as the page shows it: SVG with every CSS variable resolved to a colour, HTML captions, legends
 * and tables drawn as text and boxes, on the panel's background. Browser only (DOM, canvas); the string helpers
 * are pure and unit-tested.
 */

/** Replace var(--name, fallback) with the looked-up value (nested fallbacks too); unknown → fallback or ''. */
export function resolveCssVars(value: string, lookup: (name: string) => string | undefined): string {
  let out = value;
  for (let guard = 0; guard < 16 && out.includes('var('); guard++) {
    const start = out.lastIndexOf('var(');
    let depth = 0;
    let end = -1;
    for (let i = start + 3; i < out.length; i++) {
      if (out[i] === '(') depth++;
      else if (out[i] === ')') {
        depth--;
        if (depth === 0) {
          end = i;
          break;
        }
      }
    }
    if (end < 0) break;
    const inner = out.slice(start + 4, end);
    const comma = inner.indexOf(',');
    const name = (comma < 0 ? inner : inner.slice(0, comma)).trim();
    const fallback = comma < 0 ? '' : inner.slice(comma + 1).trim();
    const found = lookup(name)?.trim();
    out = out.slice(0, start) + (found ? found : fallback) + out.slice(end + 1);
  }
  return out;
}

/** True for colours that paint nothing. */
export function isTransparent(colour: string): boolean {
  const c = colour.trim().toLowerCase();
  if (c === '' || c === 'transparent' || c === 'none') return true;
  const m = /^rgba?\((.*)\)$/.exec(c);
  if (!m) return false;
  const parts = m[1].split(/[\s,/]+/).filter(Boolean);
  return parts.length === 4 && Number.parseFloat(parts[3]) === 0;
}

/** Greedy word wrap into lines no wider than the given widths (the last width repeats). */
export function wrapWords(text: string, widths: readonly number[], measure: (s: string) => number): string[] {
  const words = text.split(' ').filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    const next = line ? `${line} ${w}` : w;
    const limit = widths[Math.min(lines.length, widths.length - 1)] ?? Number.POSITIVE_INFINITY;
    if (line && measure(next) > limit + 1) {
      lines.push(line);
      line = w;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/** SVG presentation properties copied from computed style into the exported copy. */
const SVG_PROPS = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-dasharray',
  'stroke-opacity',
  'stroke-linecap',
  'stroke-linejoin',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'text-anchor',
  'dominant-baseline',
  'visibility',
  'display',
  'shape-rendering',
  'stop-color',
  'stop-opacity',
];
const COLOUR_ATTRS = ['fill', 'stroke', 'stop-color', 'color'];

/** A standalone SVG document for one on-page SVG, styles inlined and CSS variables resolved. */
export function serializeSvg(svg: SVGSVGElement, width: number, height: number): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const rootStyle = getComputedStyle(document.documentElement);
  const lookup = (name: string) => rootStyle.getPropertyValue(name) || undefined;
  const src = [svg, ...svg.querySelectorAll('*')];
  const dst = [clone, ...clone.querySelectorAll('*')];
  for (let i = 0; i < src.length && i < dst.length; i++) {
    const from = src[i];
    const to = dst[i] as SVGElement;
    const cs = getComputedStyle(from);
    const decl: string[] = [];
    for (const p of SVG_PROPS) {
      const v = cs.getPropertyValue(p);
      if (v) decl.push(`${p}:${resolveCssVars(v, lookup)}`);
    }
    to.setAttribute('style', decl.join(';'));
    for (const a of COLOUR_ATTRS) {
      const v = to.getAttribute(a);
      if (v?.includes('var(')) to.setAttribute(a, resolveCssVars(v, lookup));
    }
    to.removeAttribute('class');
  }
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(width));
  clone.setAttribute('height', String(height));
  if (!clone.getAttribute('viewBox')) clone.setAttribute('viewBox', `0 0 ${width} ${height}`);
  return new XMLSerializer().serializeToString(clone);
}

function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('The chart image could not be rendered.'));
    img.src = url;
  });
}

function backgroundOf(el: Element): string {
  for (let e: Element | null = el; e; e = e.parentElement) {
    const bg = getComputedStyle(e).backgroundColor;
    if (!isTransparent(bg)) return bg;
  }
  return '#ffffff';
}

function hidden(el: Element, rect: DOMRect): boolean {
  if (el.matches('[data-export-ignore], .visually-hidden, .sr-only')) return true;
  const cs = getComputedStyle(el);
  if (cs.display === 'none' || cs.visibility === 'hidden') return true;
  // Visually hidden content (clipped to nothing) is for screen readers and tests, not the picture.
  if (cs.clip && cs.clip !== 'auto' && /rect\(0(px)?,? 0(px)?,? 0(px)?,? 0(px)?\)/.test(cs.clip)) return true;
  return rect.width <= 1 && rect.height <= 1;
}

interface Ctx {
  ctx: CanvasRenderingContext2D;
  x0: number;
  y0: number;
}

async function drawSvg(c: Ctx, svg: SVGSVGElement, rect: DOMRect): Promise<void> {
  const w = Math.max(1, Math.round(rect.width));
  const h = Math.max(1, Math.round(rect.height));
  const text = serializeSvg(svg, w, h);
  const img = await loadImage(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`);
  c.ctx.drawImage(img, rect.left - c.x0, rect.top - c.y0, w, h);
}

function drawBox(c: Ctx, el: Element, rect: DOMRect): void {
  const cs = getComputedStyle(el);
  const x = rect.left - c.x0;
  const y = rect.top - c.y0;
  if (!isTransparent(cs.backgroundColor)) {
    c.ctx.fillStyle = cs.backgroundColor;
    c.ctx.fillRect(x, y, rect.width, rect.height);
  }
  const sides: [string, number, number, number, number][] = [
    ['top', x, y, x + rect.width, y],
    ['bottom', x, y + rect.height, x + rect.width, y + rect.height],
    ['left', x, y, x, y + rect.height],
    ['right', x + rect.width, y, x + rect.width, y + rect.height],
  ];
  for (const [side, ax, ay, bx, by] of sides) {
    const width = Number.parseFloat(cs.getPropertyValue(`border-${side}-width`));
    const style = cs.getPropertyValue(`border-${side}-style`);
    const colour = cs.getPropertyValue(`border-${side}-color`);
    if (!(width > 0) || style === 'none' || style === 'hidden' || isTransparent(colour)) continue;
    c.ctx.strokeStyle = colour;
    c.ctx.lineWidth = width;
    c.ctx.beginPath();
    c.ctx.moveTo(ax, ay);
    c.ctx.lineTo(bx, by);
    c.ctx.stroke();
  }
}

function drawText(c: Ctx, node: Text, parent: Element): void {
  // Collapse whitespace but keep edge spaces: sibling text nodes ("8", " (", "1", ")") sit at their own rects.
  const text = (node.textContent ?? '').replace(/\s+/g, ' ');
  if (!text.trim()) return;
  const range = document.createRange();
  range.selectNodeContents(node);
  const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
  range.detach();
  if (rects.length === 0) return;
  const cs = getComputedStyle(parent);
  c.ctx.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
  c.ctx.fillStyle = cs.color;
  c.ctx.textBaseline = 'middle';
  c.ctx.textAlign = 'left';
  const lines =
    rects.length === 1
      ? [text]
      : wrapWords(
          text,
          rects.map((r) => r.width),
          (s) => c.ctx.measureText(s).width,
        );
  lines.forEach((line, i) => {
    const r = rects[Math.min(i, rects.length - 1)];
    const y = i < rects.length ? r.top + r.height / 2 : r.top + r.height * (i - rects.length + 1.5);
    c.ctx.fillText(line, r.left - c.x0, y - c.y0);
  });
}

async function drawTree(c: Ctx, el: Element): Promise<void> {
  const rect = el.getBoundingClientRect();
  if (hidden(el, rect)) return;
  if (el instanceof SVGSVGElement) {
    await drawSvg(c, el, rect);
    return;
  }
  if (el instanceof SVGElement) return;
  drawBox(c, el, rect);
  for (const child of el.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) drawText(c, child as Text, el);
    else if (child instanceof Element) await drawTree(c, child);
  }
}

export interface PngOptions {
  /** Device pixels per CSS pixel (default: the screen's, at least 2). */
  scale?: number;
  /** Background colour (default: the nearest painted ancestor's). */
  background?: string;
  /** Margin around the chart in CSS pixels (default 12). */
  padding?: number;
}

/** Render a chart (an SVG, or an element holding SVGs, captions and tables) to a PNG Blob. */
export async function chartToPng(element: HTMLElement | SVGSVGElement, opts: PngOptions = {}): Promise<Blob> {
  const rect = element.getBoundingClientRect();
  if (rect.width < 1 || rect.height < 1) throw new Error('The chart is not visible, so it cannot be saved.');
  const pad = opts.padding ?? 12;
  const scale = opts.scale ?? Math.max(2, globalThis.devicePixelRatio || 1);
  const w = Math.ceil(rect.width + 2 * pad);
  const h = Math.ceil(rect.height + 2 * pad);
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(w * scale);
  canvas.height = Math.round(h * scale);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This browser cannot draw on a canvas.');
  ctx.scale(scale, scale);
  ctx.fillStyle = opts.background ?? backgroundOf(element);
  ctx.fillRect(0, 0, w, h);
  const c: Ctx = { ctx, x0: rect.left - pad, y0: rect.top - pad };
  if (element instanceof SVGSVGElement) await drawSvg(c, element, rect);
  else await drawTree(c, element);
  return new Promise<Blob>((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('The PNG could not be encoded.'))), 'image/png'),
  );
}
