import { useEffect, useMemo, useState } from 'react';
import {
  chipFigures,
  customChipSpec,
  derivedFigures,
  figureSource,
  hardwareSpec,
  presetChipValues,
} from '../../costmodel';
import {
  CHIP_BASES,
  CHIP_FIELD_KEYS,
  type ChipFieldKey,
  type CustomChip,
  chipFile,
  findChipPreset,
  MAX_CUSTOM_CHIPS,
  readChipFileText,
} from '../../scenario';
import { chooseLoad, useAppStore } from '../../state';
import { checkInputSize } from '../../workload';
import { downloadBlob, textBlob } from '../export/download';
import { DerivedView } from './DerivedView';
import { FigureRows } from './FigureRows';
import { chipFromDevice, chipFromPreset, chipFromSweep } from './startingPoints';
import './chipEditor.css';

const SWEEP = 'sweep';
const DEVICE = 'device';

/**
 * The chip editor: up to four named custom chips in the scenario, each started from a preset, the design sweep's
 * winner or this device, with every figure the cost model uses editable. Edits go through the scenario's
 * validation (a clamped figure gets a notice naming it), so the link, the comparison and the exports follow.
 */
export function ChipEditor() {
  const chips = useAppStore((s) => s.scenario.customChips);
  const setParam = useAppStore((s) => s.setParam);
  const [selected, setSelected] = useState(0);
  const index = Math.min(selected, Math.max(0, chips.length - 1));
  const save = (next: CustomChip[]) => setParam('customChips', next);
  const add = (chip: CustomChip) => {
    if (chips.length >= MAX_CUSTOM_CHIPS) return;
    save([...chips, chip]);
    setSelected(chips.length);
  };
  return (
    <section className="chip-editor" data-testid="chip-editor" aria-labelledby="chip-editor-title">
      <h3 id="chip-editor-title">
        Custom chips <span className="status-badge status-hypothetical">hypothetical</span>
      </h3>
      <StartControls chips={chips} onAdd={add} />
      {chips.length > 0 && (
        <div className="chip-tabs" role="tablist" aria-label="Custom chips">
          {chips.map((c, i) => (
            <button
              key={c.name}
              type="button"
              role="tab"
              aria-selected={i === index}
              onClick={() => setSelected(i)}
            >
              {c.name} <span className="custom-label">custom</span>
            </button>
          ))}
        </div>
      )}
      {chips[index] && (
        <ChipForm
          key={index}
          chip={chips[index]}
          index={index}
          onChange={(chip) => save(chips.map((c, i) => (i === index ? chip : c)))}
          onRemove={() => save(chips.filter((_, i) => i !== index))}
        />
      )}
    </section>
  );
}

/** Pick a starting point and add a chip; the sweep runs in the worker, so it says when it is working. */
function StartControls({ chips, onAdd }: { chips: CustomChip[]; onAdd: (c: CustomChip) => void }) {
  const [start, setStart] = useState('h100');
  const [status, setStatus] = useState('');
  const measured = useAppStore((s) => s.measured);
  const full = chips.length >= MAX_CUSTOM_CHIPS;
  const device = chipFromDevice(measured, chips);
  const add = async () => {
    setStatus('');
    if (start === DEVICE) {
      if (device) onAdd(device);
      else setStatus('Run the layer once: this device is measured by its micro-benchmark.');
      return;
    }
    if (start !== SWEEP) return onAdd(chipFromPreset(start, chips));
    setStatus('Running the design sweep…');
    const { scenario, measured: run, imported } = useAppStore.getState();
    try {
      const got = await chipFromSweep(scenario, chooseLoad(scenario, run, imported).load, chips);
      if (typeof got === 'string') setStatus(got);
      else {
        setStatus('');
        onAdd(got);
      }
    } catch (err) {
      setStatus(`The design sweep failed: ${(err as Error).message}`);
    }
  };
  return (
    <div className="chip-start">
      <label htmlFor="chip-editor-start">Start a chip from</label>
      <select id="chip-editor-start" value={start} onChange={(e) => setStart(e.target.value)}>
        <optgroup label="Presets">
          {CHIP_BASES.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </optgroup>
        <optgroup label="Other starting points">
          <option value={SWEEP}>The design sweep's winner (cheapest design at the target speed)</option>
          <option value={DEVICE} disabled={!device}>
            This device (its micro-benchmark){device ? '' : ': run the layer first'}
          </option>
        </optgroup>
      </select>
      <button type="button" onClick={add} disabled={full}>
        Add custom chip
      </button>
      <OpenChipFile disabled={full} onAdd={onAdd} onStatus={setStatus} chips={chips} />
      {full && <small className="help">At most {MAX_CUSTOM_CHIPS} custom chips per scenario.</small>}
      {status && <p className="chip-status">{status}</p>}
    </div>
  );
}

/** Read a chip file (what `moe chip h100` prints or the editor saves), through the same checks as a link. */
function OpenChipFile(props: {
  disabled: boolean;
  chips: CustomChip[];
  onAdd: (c: CustomChip) => void;
  onStatus: (s: string) => void;
}) {
  const notify = useAppStore((s) => s.notify);
  const read = async (file: File) => {
    try {
      checkInputSize(file.name, file.size, 'chip');
    } catch (err) {
      return props.onStatus((err as Error).message);
    }
    const issues: string[] = [];
    const chip = readChipFileText(await file.text(), file.name, issues);
    if (!chip) return props.onStatus(issues.at(-1) ?? `${file.name} holds no chip.`);
    if (issues.length) notify('The chip file needed fixing', issues);
    props.onAdd(chip);
  };
  return (
    <label className="chip-open">
      Open chip file
      <input
        type="file"
        accept=".json,application/json"
        disabled={props.disabled}
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) void read(file);
        }}
      />
    </label>
  );
}

function ChipForm(props: {
  chip: CustomChip;
  index: number;
  onChange: (c: CustomChip) => void;
  onRemove: () => void;
}) {
  const { chip, index, onChange, onRemove } = props;
  const scenario = useAppStore((s) => s.scenario);
  const base = findChipPreset(chip.basedOn);
  const baseValues = useMemo(() => chipFigures(hardwareSpec(chip.basedOn).experts), [chip.basedOn]);
  const sources = useMemo(() => {
    const out = {} as Record<ChipFieldKey, string>;
    for (const key of CHIP_FIELD_KEYS) out[key] = figureSource(chip.basedOn, key);
    return out;
  }, [chip.basedOn]);
  const spec = useMemo(() => customChipSpec(chip, index), [chip, index]);
  const derived = useMemo(() => derivedFigures(scenario, spec), [scenario, spec]);
  const setFigure = (key: ChipFieldKey, value: unknown) => {
    const figures: Record<string, unknown> = { ...chip.figures };
    if (value === undefined) delete figures[key];
    else figures[key] = value;
    onChange({ ...chip, figures } as CustomChip);
  };
  const saveFile = () => {
    const values = chipFigures(spec);
    const text = JSON.stringify(
      chipFile(chip.name, chip.basedOn, values, presetChipValues(chip.basedOn).sources),
      null,
      2,
    );
    downloadBlob(`${chip.name}.chip.json`, textBlob(`${text}\n`, 'json'));
  };
  return (
    <div className="chip-form" data-testid="chip-form" data-chip={spec.id}>
      <div className="chip-form-head">
        <NameInput name={chip.name} onCommit={(name) => onChange({ ...chip, name })} />
        <span className="chip-base">
          based on {base?.name ?? chip.basedOn}; shown as "{spec.name}", hypothetical
        </span>
        <button type="button" onClick={saveFile}>
          Save chip file
        </button>
        <button type="button" onClick={onRemove}>
          Remove
        </button>
      </div>
      <DerivedView d={derived} s={scenario} />
      <FigureRows
        chip={chip}
        baseValues={baseValues}
        baseName={base?.name ?? chip.basedOn}
        sources={sources}
        onFigure={setFigure}
      />
    </div>
  );
}

/** The name commits on blur or Enter: committing each keystroke would trim the space between two words. */
function NameInput({ name, onCommit }: { name: string; onCommit: (name: string) => void }) {
  const [draft, setDraft] = useState(name);
  useEffect(() => setDraft(name), [name]);
  const commit = () => draft !== name && onCommit(draft);
  return (
    <>
      <label htmlFor="chip-editor-name">Name</label>
      <input
        id="chip-editor-name"
        type="text"
        maxLength={40}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
      />
    </>
  );
}
