import { useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import {
  type BenchmarkMetric,
  decodePointsParam,
  describeSetup,
  EXAMPLE_POINTS_CSV,
  encodePointsParam,
  MAX_LINK_POINTS,
  MAX_USER_POINTS,
  medianAbsError,
  overlayPairs,
  POINTS_LINK_KEY,
  type ProjectionCache,
  projectedCurves,
  projectUserPoints,
  readUserPoints,
  type StackLevel,
  USER_POINT_COLUMNS,
  type UserPoint,
  type UserPointResult,
  userPointsToCsv,
} from '../costmodel';
import { useAppStore } from '../state';
import { checkInputSize } from '../workload';
import { MeasuredOverlayChart } from './charts/MeasuredOverlayChart';
import { fmt, fmtPct } from './format';

const STACK_LEVELS: readonly StackLevel[] = ['ideal', 'tuned', 'untuned'];
/** Comparing all three stack levels projects every point three times; past this many points only the chosen one. */
const MAX_POINTS_COMPARED = 40;
/** Projections kept between edits (setups × stack levels); cleared past this, so a long session stays small. */
const MAX_CACHED_PROJECTIONS = 2000;

const METRIC_LABEL: Record<BenchmarkMetric, string> = {
  'tpot-ms': 'TPOT (ms)',
  'output-tok-s': 'output tokens/s',
  'tok-s-per-user': 'tokens/s per user',
};

/** The CSV text a `pts` link value stands for, and what was wrong with it. */
function fromLink(param: string | undefined): { text: string; problems: string[] } {
  if (param === undefined) return { text: '', problems: [] };
  const read = decodePointsParam(param);
  return { text: read.points.length ? userPointsToCsv(read.points) : '', problems: read.problems };
}

const signedPct = (e: number | undefined) =>
  e === undefined || !Number.isFinite(e) ? '—' : `${e > 0 ? '+' : e < 0 ? '−' : ''}${fmtPct(Math.abs(e))}`;

/**
 * The CSV text, kept in step with the link's `pts`: a link opened (or back/forward) fills the text; points read from
 * the text go back into the link when a link can carry them, and leave it when it cannot.
 */
function useLinkedPointsText() {
  const param = useAppStore((s) => s.extras[POINTS_LINK_KEY]);
  const [initial] = useState(() => fromLink(param));
  const [text, setText] = useState(initial.text);
  const [linkProblems, setLinkProblems] = useState(initial.problems);
  /** The `pts` value last read or written here: a different one came from outside. */
  const lastParam = useRef<string | undefined>(param);
  const notified = useRef<string | undefined>(undefined);

  useEffect(() => {
    if (param === lastParam.current) return;
    lastParam.current = param;
    const next = fromLink(param);
    setText(next.text);
    setLinkProblems(next.problems);
  }, [param]);

  useEffect(() => {
    if (!linkProblems.length || notified.current === param) return;
    notified.current = param;
    useAppStore.getState().notify('Benchmark points in this link', linkProblems);
  }, [linkProblems, param]);

  const deferredText = useDeferredValue(text);
  const read = useMemo(() => readUserPoints(deferredText), [deferredText]);

  useEffect(() => {
    const next = encodePointsParam(read.points);
    if (next === lastParam.current) return;
    lastParam.current = next;
    useAppStore.getState().setExtra(POINTS_LINK_KEY, next);
  }, [read]);
  return { text, setText, read, linkProblems, inLink: encodePointsParam(read.points) !== undefined };
}

/** The points projected at a stack level, their overlay, curves, and the median |error| at every level. */
function useProjectedPoints(points: readonly UserPoint[], level: StackLevel) {
  const cacheRef = useRef<ProjectionCache>(new Map());
  const results = useMemo(() => {
    if (cacheRef.current.size > MAX_CACHED_PROJECTIONS) cacheRef.current.clear();
    return projectUserPoints(points, level, cacheRef.current);
  }, [points, level]);
  const pairs = useMemo(() => overlayPairs(results), [results]);
  const curves = useMemo(() => projectedCurves(points, level, cacheRef.current), [points, level]);
  const byLevel = useMemo(() => {
    if (points.length === 0 || points.length > MAX_POINTS_COMPARED) return null;
    return STACK_LEVELS.map((l) => ({
      level: l,
      median: medianAbsError(projectUserPoints(points, l, cacheRef.current)),
    }));
  }, [points]);
  return { results, pairs, curves, byLevel, median: medianAbsError(results) };
}

/**
 * "Predicted vs measured": a person's own benchmark points (pasted CSV or a .csv file) against the cost model's
 * projection of the same setups, as a residual table and an overlay chart. Small sets travel in the link (`pts=`).
 */
export function MeasuredVsProjected() {
  const { text, setText, read, linkProblems, inLink } = useLinkedPointsText();
  const [fileError, setFileError] = useState<string | null>(null);
  const [level, setLevel] = useState<StackLevel>(() => useAppStore.getState().scenario.stackLevel ?? 'tuned');
  const { results, pairs, curves, byLevel, median } = useProjectedPoints(read.points, level);

  const loadFile = async (file: File) => {
    setFileError(null);
    try {
      checkInputSize(file.name, file.size, 'points');
      setText(await file.text());
    } catch (err) {
      setFileError((err as Error).message);
    }
  };

  return (
    <section className="panel" data-testid="user-points" aria-labelledby="user-points-title">
      <h2 id="user-points-title">Predicted vs measured: your benchmark points</h2>
      <p className="provenance-note">
        Paste your own measurements as CSV (one setup per row) or load a .csv file: each point is projected
        from the same model, chips, layout, formats, lengths and concurrency, and the error says how far the
        cost model is from your stack.
      </p>
      <ColumnsHelp />
      <label className="user-points-input">
        Benchmark points (CSV)
        <textarea
          value={text}
          rows={Math.min(12, Math.max(4, text.split('\n').length + 1))}
          spellCheck={false}
          placeholder={EXAMPLE_POINTS_CSV}
          onChange={(e) => setText(e.target.value)}
          data-testid="user-points-csv"
        />
      </label>
      <div className="inline">
        <label className="file-button">
          Load a .csv file
          <input
            type="file"
            accept=".csv,.tsv,.txt,text/csv,text/plain"
            className="visually-hidden-input"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void loadFile(file);
              e.target.value = '';
            }}
          />
        </label>
        <button type="button" onClick={() => setText(EXAMPLE_POINTS_CSV)}>
          Load example
        </button>
        <button type="button" onClick={() => setText('')} disabled={text === ''}>
          Clear
        </button>
      </div>
      {fileError && <p role="alert">{fileError}</p>}
      <Problems read={read} linkProblems={linkProblems} />
      {read.points.length === 0 ? (
        <p className="placeholder" data-testid="user-points-empty">
          No points yet. Each row needs model, chip, chips, tp, ep, input_len, output_len, concurrency and one
          of tpot_ms, output_tok_s or tok_s_per_user (see Columns); "Load example" shows the format.
        </p>
      ) : (
        <>
          <LinkStatus count={read.points.length} inLink={inLink} />
          <StackLevelSwitch level={level} setLevel={setLevel} byLevel={byLevel} />
          <ResidualTable results={results} median={median} level={level} />
          <MeasuredOverlayChart pairs={pairs} curves={curves} stackLevel={level} />
        </>
      )}
    </section>
  );
}

function ColumnsHelp() {
  return (
    <details className="user-points-help">
      <summary>Columns</summary>
      <p className="provenance-note">
        Headers in any case; spaces and symbols count as "_" ("TPOT (ms)" is tpot_ms). Comma, tab or semicolon
        separated; lines starting with # are skipped. At most {MAX_USER_POINTS} points; up to{' '}
        {MAX_LINK_POINTS} travel in the link. Model and chip are preset ids or names, any case.
      </p>
      <table className="metrics">
        <thead>
          <tr>
            <th scope="col">column</th>
            <th scope="col">also read as</th>
            <th scope="col">meaning</th>
          </tr>
        </thead>
        <tbody>
          {USER_POINT_COLUMNS.map((c) => (
            <tr key={c.key}>
              <th scope="row">
                <code>{c.key}</code>
                {c.required ? '' : ' (optional)'}
              </th>
              <td>{c.aliases.join(', ')}</td>
              <td>{c.help}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="provenance-note">
        Each row needs one of tpot_ms, output_tok_s, tok_s_per_user (a row may give several: each is
        compared).
      </p>
    </details>
  );
}

function Problems({
  read,
  linkProblems,
}: {
  read: ReturnType<typeof readUserPoints>;
  linkProblems: readonly string[];
}) {
  if (!read.problems.length && !read.ignoredColumns.length && !linkProblems.length) return null;
  return (
    <div data-testid="user-points-problems">
      {linkProblems.length > 0 && (
        <ul className="problem-list">
          {linkProblems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {read.problems.length > 0 && (
        <ul className="problem-list" aria-label="Rows not read">
          {read.problems.map((p) => (
            <li key={`${p.row}-${p.message}`} data-row={p.row}>
              {p.row ? `Line ${p.row}: ` : ''}
              {p.message}
            </li>
          ))}
        </ul>
      )}
      {read.ignoredColumns.length > 0 && (
        <p className="provenance-note">Columns not used: {read.ignoredColumns.join(', ')}.</p>
      )}
    </div>
  );
}

function LinkStatus({ count, inLink }: { count: number; inLink: boolean }) {
  const points = `${count} point${count === 1 ? '' : 's'}`;
  let text = `These ${points} travel in the link ("Copy link" above).`;
  if (count > MAX_LINK_POINTS)
    text = `${points} are more than a link carries (${MAX_LINK_POINTS}): they are not put in the link; share the CSV instead.`;
  else if (!inLink)
    text = `These ${points} are too long for a link (their labels and sources): they are not put in it; share the CSV instead.`;
  return (
    <p className="provenance-note" data-testid="user-points-link-status" data-in-link={inLink}>
      {text}
    </p>
  );
}

function StackLevelSwitch({
  level,
  setLevel,
  byLevel,
}: {
  level: StackLevel;
  setLevel: (l: StackLevel) => void;
  byLevel: { level: StackLevel; median: number | undefined }[] | null;
}) {
  const best = byLevel
    ?.filter((b) => b.median !== undefined)
    .reduce<(typeof byLevel)[number] | undefined>(
      (a, b) => (a === undefined || (b.median as number) < (a.median as number) ? b : a),
      undefined,
    );
  return (
    <fieldset className="inline user-points-levels" data-testid="user-points-stack-level">
      <legend>Serving-stack level of the projection</legend>
      {STACK_LEVELS.map((l) => (
        <label key={l}>
          <input type="radio" name="user-points-stack" checked={level === l} onChange={() => setLevel(l)} />{' '}
          {l}
          {byLevel && ` (median |error| ${fmtPct(byLevel.find((b) => b.level === l)?.median)})`}
        </label>
      ))}
      {best && (
        <span className="provenance-note" data-testid="user-points-best-level">
          {' '}
          Closest to your points: {best.level}.
        </span>
      )}
    </fieldset>
  );
}

function ResidualTable({
  results,
  median,
  level,
}: {
  results: readonly UserPointResult[];
  median: number | undefined;
  level: StackLevel;
}) {
  const projected = results.filter((r) => r.error !== undefined).length;
  return (
    <table className="metrics" data-testid="user-points-table">
      <caption>
        Your points against the projection of the same setup ({level} stack); error = (projected − measured) /
        measured.
      </caption>
      <thead>
        <tr>
          <th scope="col">label</th>
          <th scope="col">setup</th>
          <th scope="col">metric</th>
          <th scope="col">measured</th>
          <th scope="col">projected</th>
          <th scope="col">error</th>
          <th scope="col">stack</th>
        </tr>
      </thead>
      <tbody>
        {results.map((r) => (
          <ResidualRow key={`${r.point.row}-${r.point.metric}`} result={r} />
        ))}
      </tbody>
      <tfoot>
        <tr data-testid="user-points-median" data-median={median ?? ''}>
          <th scope="row" colSpan={5}>
            Median |error| over {projected} point{projected === 1 ? '' : 's'}
          </th>
          <td>{fmtPct(median)}</td>
          <td>{level}</td>
        </tr>
      </tfoot>
    </table>
  );
}

function ResidualRow({ result: r }: { result: UserPointResult }) {
  const p: UserPoint = r.point;
  return (
    <tr
      data-label={p.label}
      data-metric={p.metric}
      data-measured={p.value}
      data-projected={r.projected ?? ''}
      data-error={r.error ?? ''}
    >
      <th scope="row" title={p.source}>
        {p.label}
      </th>
      <td>{describeSetup(p)}</td>
      <td>{METRIC_LABEL[p.metric]}</td>
      <td>{fmt(p.value)}</td>
      <td>{r.problem ? r.problem : fmt(r.projected)}</td>
      <td>{signedPct(r.error)}</td>
      <td>{r.stackLevel}</td>
    </tr>
  );
}
