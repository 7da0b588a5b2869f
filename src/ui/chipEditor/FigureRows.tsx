import { useEffect, useState } from 'react';
import {
  CHIP_FIELD_GROUPS,
  CHIP_FIELD_KEYS,
  CHIP_FIELDS,
  type ChipFieldGroup,
  type ChipFieldKey,
  type CustomChip,
} from '../../scenario';
import { fmt } from '../format';

export interface FigureRowsProps {
  chip: CustomChip;
  /** The base preset's resolved figures (what the cost model uses when a figure is not changed). */
  baseValues: Record<ChipFieldKey, number>;
  baseName: string;
  /** Where each of the base's figures comes from (status: source). */
  sources: Record<ChipFieldKey, string>;
  /** Set a figure (undefined: back to the base's). */
  onFigure: (key: ChipFieldKey, value: unknown) => void;
}

const GROUPS = Object.keys(CHIP_FIELD_GROUPS) as ChipFieldGroup[];
/** Groups shown unfolded: what decides most projections. Others unfold when they hold an edited figure. */
const OPEN: readonly ChipFieldGroup[] = ['compute', 'hbm', 'sram'];

/** Every figure of the chip table, grouped; each with its unit, range, help and the base preset's value and source. */
export function FigureRows(props: FigureRowsProps) {
  return (
    <>
      {GROUPS.map((group) => {
        const keys = CHIP_FIELD_KEYS.filter((k) => CHIP_FIELDS[k].group === group);
        const edited = keys.filter((k) => props.chip.figures[k] !== undefined).length;
        return (
          <details
            key={group}
            className="chip-figures"
            data-group={group}
            open={OPEN.includes(group) || edited > 0 || undefined}
          >
            <summary>
              {CHIP_FIELD_GROUPS[group]} ({keys.length} figures{edited ? `, ${edited} edited` : ''})
            </summary>
            {keys.map((key) => (
              <FigureRow key={key} name={key} {...props} />
            ))}
          </details>
        );
      })}
    </>
  );
}

function FigureRow({
  name,
  chip,
  baseValues,
  baseName,
  sources,
  onFigure,
}: FigureRowsProps & { name: ChipFieldKey }) {
  const f = CHIP_FIELDS[name];
  const own = chip.figures[name];
  const value = own ?? baseValues[name];
  const id = `chip-figure-${name}`;
  const helpId = `${id}-help`;
  const baseText =
    f.kind === 'bool' ? (baseValues[name] ? 'on' : 'off') : `${fmt(baseValues[name], 4)} ${f.unit}`;
  return (
    <div className={`chip-figure${own !== undefined ? ' edited' : ''}`} data-figure={name}>
      <label htmlFor={id}>
        {f.label} {f.kind !== 'bool' && <span className="unit">({f.unit})</span>}
      </label>
      {f.kind === 'bool' ? (
        <input
          id={id}
          type="checkbox"
          checked={value !== 0}
          aria-describedby={helpId}
          onChange={(e) => onFigure(name, e.target.checked ? 1 : 0)}
        />
      ) : (
        <FigureInput id={id} name={name} value={value} helpId={helpId} onCommit={(v) => onFigure(name, v)} />
      )}
      {own !== undefined && (
        <button
          type="button"
          className="figure-reset"
          title={`Back to ${baseName}'s ${baseText}`}
          aria-label={`Reset ${f.label} to ${baseName}'s value`}
          onClick={() => onFigure(name, undefined)}
        >
          ↺
        </button>
      )}
      <small id={helpId} className="help">
        {f.help} Range {f.min.toLocaleString('en-US')}–{f.max.toLocaleString('en-US')}.{' '}
        <span className="figure-source">
          {baseName}: {baseText} ({sources[name]})
        </span>
      </small>
    </div>
  );
}

/** A typed figure commits while it is in range; anything else is committed on blur or Enter and clamped there. */
function FigureInput(props: {
  id: string;
  name: ChipFieldKey;
  value: number;
  helpId: string;
  onCommit: (v: unknown) => void;
}) {
  const { id, name, value, helpId, onCommit } = props;
  const f = CHIP_FIELDS[name];
  const [draft, setDraft] = useState(String(value));
  useEffect(() => setDraft(String(value)), [value]);
  const inRange = (n: number) => Number.isFinite(n) && n >= f.min && n <= f.max;
  return (
    <input
      id={id}
      type="number"
      inputMode="decimal"
      min={f.min}
      max={f.max}
      step={f.kind === 'int' ? 1 : 'any'}
      value={draft}
      aria-describedby={helpId}
      onChange={(e) => {
        setDraft(e.target.value);
        const n = Number(e.target.value);
        if (e.target.value !== '' && inRange(n) && n !== value) onCommit(n);
      }}
      onBlur={() => draft !== String(value) && onCommit(draft)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && draft !== String(value)) onCommit(draft);
      }}
    />
  );
}
