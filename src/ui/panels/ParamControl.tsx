import { lazy, Suspense, useEffect, useId, useState } from 'react';
import { CHIP_PRESETS, findModelPreset, type ParamDef, type ParamKey, paramDef } from '../../scenario';
import { useAppStore } from '../../state';

// The chip editor loads with the charts, after the first screen.
const ChipEditor = lazy(() => import('../chipEditor/ChipEditor').then((m) => ({ default: m.ChipEditor })));

/** One control generated from the schema: its label, unit, range and help all come from PARAMS. */
export function ParamControl({ name }: { name: ParamKey }) {
  const def = paramDef(name);
  const value = useAppStore((s) => s.scenario[name]);
  const setParam = useAppStore((s) => s.setParam);
  const id = `param-${name}`;
  const helpId = `${id}-help`;
  const label = def.unit ? `${def.label} (${def.unit})` : def.label;

  if (def.kind === 'list') return <ChipList def={def} value={value as string[]} helpId={helpId} />;
  if (def.kind === 'customChips')
    return (
      <Suspense fallback={<p className="placeholder">Loading the chip editor…</p>}>
        <ChipEditor />
      </Suspense>
    );
  return (
    <div className="param" data-param={name}>
      <label htmlFor={id}>{label}</label>
      {def.kind === 'bool' ? (
        <input
          id={id}
          type="checkbox"
          checked={value as boolean}
          aria-describedby={helpId}
          onChange={(e) => setParam(name, e.target.checked)}
        />
      ) : def.kind === 'enum' || def.kind === 'numEnum' ? (
        <select
          id={id}
          value={String(value)}
          aria-describedby={helpId}
          onChange={(e) => setParam(name, e.target.value)}
        >
          {def.options.map((o) => (
            <option key={String(o)} value={String(o)}>
              {optionLabel(name, o)}
            </option>
          ))}
        </select>
      ) : (
        <NumberField
          id={id}
          def={def}
          value={value as number}
          helpId={helpId}
          onCommit={(v) => setParam(name, v)}
        />
      )}
      <small id={helpId} className="help">
        {def.help}
      </small>
    </div>
  );
}

function optionLabel(name: ParamKey, option: string | number): string {
  if (name === 'preset')
    return option === 'custom' ? 'Custom' : (findModelPreset(String(option))?.name ?? String(option));
  return String(option);
}

type NumericDef = Extract<ParamDef, { kind: 'int' | 'float' }>;

/** Slider position ↔ value; log sliders for sizes that span decades. */
function toSlider(def: NumericDef, v: number): number {
  if (def.kind === 'int' && def.log) return Math.log(v) / Math.log(def.max);
  return (v - def.min) / (def.max - def.min);
}
function fromSlider(def: NumericDef, p: number): number {
  if (def.kind === 'int' && def.log) return Math.round(Math.exp(p * Math.log(def.max)));
  const v = def.min + p * (def.max - def.min);
  return def.kind === 'int' ? Math.round(v) : Math.round(v / def.step) * def.step;
}

/**
 * A typed number commits when it is complete and in range; out-of-range text is clamped on blur or Enter
 * (so typing "1" on the way to "16" is not clamped mid-word).
 */
function NumberField(props: {
  id: string;
  def: NumericDef;
  value: number;
  helpId: string;
  onCommit: (v: unknown) => void;
}) {
  const { id, def, value, helpId, onCommit } = props;
  const [draft, setDraft] = useState(String(value));
  useEffect(() => setDraft(String(value)), [value]);
  const sliderId = useId();
  const step = def.kind === 'float' ? def.step : 1;
  const inRange = (n: number) => Number.isFinite(n) && n >= def.min && n <= def.max;
  return (
    <div className="number-field">
      <input
        id={id}
        type="number"
        inputMode={def.kind === 'int' ? 'numeric' : 'decimal'}
        min={def.min}
        max={def.max}
        step={step}
        value={draft}
        aria-describedby={helpId}
        onChange={(e) => {
          setDraft(e.target.value);
          const n = Number(e.target.value);
          if (e.target.value !== '' && inRange(n)) onCommit(n);
        }}
        onBlur={() => onCommit(draft)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') onCommit(draft);
        }}
      />
      <input
        id={sliderId}
        type="range"
        aria-label={`${def.label} slider`}
        min={0}
        max={1}
        step={0.001}
        value={toSlider(def, value)}
        onChange={(e) => onCommit(fromSlider(def, Number(e.target.value)))}
      />
    </div>
  );
}

function ChipList({
  def,
  value,
  helpId,
}: {
  def: Extract<ParamDef, { kind: 'list' }>;
  value: string[];
  helpId: string;
}) {
  const setParam = useAppStore((s) => s.setParam);
  const toggle = (chip: string, on: boolean) => {
    const next = on ? [...value, chip] : value.filter((c) => c !== chip);
    if (next.length >= def.minItems && next.length <= def.maxItems) setParam('chips', next);
  };
  return (
    <fieldset className="param chip-list" data-param="chips" aria-describedby={helpId}>
      <legend>{def.label}</legend>
      <div className="chip-grid">
        {CHIP_PRESETS.map((chip) => {
          const checked = value.includes(chip.id);
          const full = !checked && value.length >= def.maxItems;
          const last = checked && value.length <= def.minItems;
          return (
            <label key={chip.id} className={`chip chip-${chip.status}`}>
              <input
                type="checkbox"
                checked={checked}
                disabled={full || last}
                onChange={(e) => toggle(chip.id, e.target.checked)}
              />
              {chip.name}
              {chip.status !== 'datasheet' && <span className="badge">{chip.status}</span>}
            </label>
          );
        })}
      </div>
      <small id={helpId} className="help">
        {def.help}
      </small>
    </fieldset>
  );
}
