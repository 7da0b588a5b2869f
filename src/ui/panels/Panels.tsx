import { findLesson, GROUP_LABELS, type Group, PARAM_KEYS, type ParamKey, paramDef } from '../../scenario';
import { useAppStore } from '../../state';
import { ParamControl } from './ParamControl';

/** A panel shows every parameter of its groups, in schema order; advanced ones fold away. */
function SchemaPanel({ title, groups }: { title: string; groups: Group[] }) {
  // In presentation mode a lesson shows only the controls it is about; otherwise advanced ones are hidden.
  const extras = useAppStore((s) => s.extras);
  const present = extras.present === '1';
  const focus = present ? findLesson(extras.lesson ?? '')?.focus : undefined;
  const visible = (k: ParamKey) => (focus ? focus.includes(k) : !(present && paramDef(k).advanced));
  if (present && !PARAM_KEYS.some((k) => groups.includes(paramDef(k).group) && visible(k))) return null;
  return (
    <section className="panel" aria-labelledby={`panel-${title}`}>
      <h2 id={`panel-${title}`}>{title}</h2>
      {groups.map((group) => {
        const keys = PARAM_KEYS.filter((k) => paramDef(k).group === group && visible(k));
        if (keys.length === 0) return null;
        const basic = keys.filter((k) => !paramDef(k).advanced);
        const advanced = keys.filter((k) => paramDef(k).advanced);
        return (
          <div key={group} className="param-group">
            {groups.length > 1 && <h3>{GROUP_LABELS[group]}</h3>}
            <Controls keys={basic} />
            {advanced.length > 0 && (
              <details>
                <summary>More {GROUP_LABELS[group].toLowerCase()} settings</summary>
                <Controls keys={advanced} />
              </details>
            )}
          </div>
        );
      })}
    </section>
  );
}

function Controls({ keys }: { keys: ParamKey[] }) {
  return (
    <>
      {keys.map((k) => (
        <ParamControl key={k} name={k} />
      ))}
    </>
  );
}

export const ModelPanel = () => <SchemaPanel title="Model" groups={['model', 'routing']} />;
export const WorkloadPanel = () => <SchemaPanel title="Workload" groups={['workload', 'run']} />;
export const HardwarePanel = () => <SchemaPanel title="Hardware" groups={['hardware']} />;
