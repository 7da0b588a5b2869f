import type { ReactNode, SVGProps } from 'react';
import { tickText } from './scale';

export interface PlotBox {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

interface AxisProps {
  orient: 'bottom' | 'left';
  box: PlotBox;
  ticks: readonly number[];
  scale: (v: number) => number;
  label: string;
  format?: (v: number) => string;
  grid?: boolean;
}

/** A plain-SVG axis with grid lines, tick labels and a title. */
export function Axis({ orient, box, ticks, scale, label, format = tickText, grid = true }: AxisProps) {
  if (orient === 'bottom') {
    return (
      <g className="x-axis" aria-hidden="true">
        {ticks.map((t) => {
          const x = scale(t);
          return (
            <g key={t}>
              {grid && <line className="grid" x1={x} x2={x} y1={box.top} y2={box.bottom} />}
              <text x={x} y={box.bottom + 14} textAnchor="middle">
                {format(t)}
              </text>
            </g>
          );
        })}
        <line className="axis" x1={box.left} x2={box.right} y1={box.bottom} y2={box.bottom} />
        <text className="muted" x={(box.left + box.right) / 2} y={box.bottom + 30} textAnchor="middle">
          {label}
        </text>
      </g>
    );
  }
  return (
    <g className="y-axis" aria-hidden="true">
      {ticks.map((t) => {
        const y = scale(t);
        return (
          <g key={t}>
            {grid && <line className="grid" x1={box.left} x2={box.right} y1={y} y2={y} />}
            <text x={box.left - 6} y={y + 4} textAnchor="end">
              {format(t)}
            </text>
          </g>
        );
      })}
      <line className="axis" x1={box.left} x2={box.left} y1={box.top} y2={box.bottom} />
      <text
        className="muted"
        transform={`translate(${box.left - 44} ${(box.top + box.bottom) / 2}) rotate(-90)`}
        textAnchor="middle"
      >
        {label}
      </text>
    </g>
  );
}

/** Series colours cycle through the theme's palette; past it, dashes tell series apart. */
export const SERIES_COLOURS = [
  'var(--series-1)',
  'var(--series-2)',
  'var(--series-3)',
  'var(--series-4)',
  'var(--series-5)',
  'var(--series-6)',
  'var(--series-7)',
  'var(--series-8)',
];
const DASHES = [undefined, '6 3', '2 3', '8 3 2 3'];

export function seriesStyle(i: number): { colour: string; dash: string | undefined } {
  return {
    colour: SERIES_COLOURS[i % SERIES_COLOURS.length],
    dash: DASHES[Math.floor(i / SERIES_COLOURS.length) % DASHES.length],
  };
}

/** The SVG every plain chart draws into: sized to its container, one accessible image with a name. */
export function ChartSvg({
  width,
  height,
  label,
  children,
  ...rest
}: { width: number; height: number; label: string; children: ReactNode } & Omit<
  SVGProps<SVGSVGElement>,
  'role'
>) {
  return (
    <svg
      className="chart-svg"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={label}
      {...rest}
    >
      {children}
    </svg>
  );
}
